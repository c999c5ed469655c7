// Webapp sessions for tests: start one, wait for its state, and leave no container behind.
import { execFileSync } from 'node:child_process';
import { expect } from 'vitest';
import type { Platform } from './platform.js';
import type { SessionStatus } from '../../schemas/index.js';
import { editFile, exampleRepo, push } from './git.js';

export async function startSession(p: Pick<Platform, 'api'>, app: string, token: string): Promise<SessionStatus> {
  const res = await p.api(`/api/v1/apps/${app}/sessions`, { method: 'POST', token });
  const body = (await res.json()) as SessionStatus;
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body;
}

async function sessionOf(p: Pick<Platform, 'api'>, app: string, id: string, token: string): Promise<SessionStatus> {
  return (await (await p.api(`/api/v1/apps/${app}/sessions/${id}`, { token })).json()) as SessionStatus;
}

/** Polls until the session leaves `starting` (or `ready`, with `past`), and answers it. */
export async function waitSession(p: Pick<Platform, 'api'>, app: string, id: string, token: string, past: string[] = ['starting'], ms = 90_000): Promise<SessionStatus> {
  let last: SessionStatus | null = null;
  await expect
    .poll(async () => (last = await sessionOf(p, app, id, token)).state, { timeout: ms, interval: 200, message: `session ${id} to leave ${past.join(', ')}` })
    .not.toSatisfy((s: string) => past.includes(s));
  return last!;
}

/** Containers and networks the engine has of a session. */
export function sessionLeftovers(id: string): string[] {
  const ps = execFileSync('docker', ['ps', '-aq', '--filter', `label=allgo.session=${id}`], { encoding: 'utf8' }).trim();
  const nets = execFileSync('docker', ['network', 'ls', '-q', '--filter', `label=allgo.session=${id}`], { encoding: 'utf8' }).trim();
  return [ps, nets].filter(Boolean);
}

/** Stops every live session of `token`'s user (the platform's close leaves them for its next start). */
export async function stopAllSessions(p: Pick<Platform, 'api'>, token: string): Promise<void> {
  const { sessions } = (await (await p.api('/api/v1/sessions', { token })).json()) as { sessions: SessionStatus[] };
  for (const s of sessions) if (s.state === 'starting' || s.state === 'ready') await p.api(`/api/v1/apps/${s.app}/sessions/${s.id}`, { method: 'DELETE', token });
}

/** The session's network as the engine has it: its gateway (the host's address on it) and the container's address. */
export function sessionNetwork(id: string): { name: string; gateway: string; bridge: string; containerIp: string } {
  const name = execFileSync('docker', ['network', 'ls', '--filter', `label=allgo.session=${id}`, '--format', '{{.Name}}'], { encoding: 'utf8' }).trim();
  const info = JSON.parse(execFileSync('docker', ['network', 'inspect', name], { encoding: 'utf8' }))[0] as {
    IPAM: { Config: { Gateway: string }[] };
    Options: Record<string, string>;
    Containers: Record<string, { IPv4Address: string }>;
  };
  const container = Object.values(info.Containers)[0];
  return { name, gateway: info.IPAM.Config[0].Gateway, bridge: info.Options['com.docker.network.bridge.name'], containerIp: container.IPv4Address.split('/')[0] };
}

/** What a restart test runs into: a ready session of examples/viewer, and one of a copy that never opens its port. */
export interface RestartSessions {
  viewer: string;
  stuck: string;
  ready: SessionStatus;
  starting: SessionStatus;
}

/** Pushes `viewer` and `stuck` to the server at `url` as the admin, and starts a session of each for `token`. */
export async function readyAndStartingSessions(p: Pick<Platform, 'api'>, url: string, adminToken: string, names: { viewer: string; stuck: string }, token: string): Promise<RestartSessions> {
  expect((await push(exampleRepo('viewer'), url, names.viewer, 'admin', adminToken)).code).toBe(0);
  const never = exampleRepo('viewer', (dir) => editFile(dir, 'allgo.yaml', (y) => y.replace('entrypoint: /usr/local/bin/viewer', 'entrypoint: sleep 600')));
  expect((await push(never, url, names.stuck, 'admin', adminToken)).code).toBe(0);
  const ready = await startSession(p, names.viewer, token);
  expect((await waitSession(p, names.viewer, ready.id, token)).state).toBe('ready');
  const starting = await startSession(p, names.stuck, token);
  await expect.poll(() => sessionLeftovers(starting.id).length, { message: 'the starting session to have its container' }).toBe(2);
  return { ...names, ready, starting };
}

/**
 * After the restart, by the server at `url`: the ready session is served again, the starting one
 * ended with nothing left of it; and the ready one, stopped, leaves nothing either.
 */
export async function expectSessionsRecovered(p: Pick<Platform, 'api'>, url: string, s: RestartSessions, token: string): Promise<void> {
  expect((await waitSession(p, s.viewer, s.ready.id, token, ['starting'])).state).toBe('ready');
  const page = await fetch(`${url}/s/${s.ready.id}/`, { headers: { authorization: `Token ${token}` } });
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<h1>CSV viewer</h1>');
  expect(await waitSession(p, s.stuck, s.starting.id, token)).toMatchObject({ state: 'failed', reason: 'platform restart' });
  await expect.poll(() => sessionLeftovers(s.starting.id), { message: "the starting session's container and network to be gone" }).toEqual([]);
  await p.api(`/api/v1/apps/${s.viewer}/sessions/${s.ready.id}`, { method: 'DELETE', token });
  await expect.poll(() => sessionLeftovers(s.ready.id), { message: "the ready session's container and network to be gone" }).toEqual([]);
}
