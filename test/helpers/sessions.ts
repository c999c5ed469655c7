// Webapp sessions for tests: start one, wait for its state, and leave no container behind.
import { execFileSync } from 'node:child_process';
import { expect } from 'vitest';
import type { Platform } from './platform.js';
import type { SessionStatus } from '../../schemas/index.js';

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
