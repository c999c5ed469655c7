// Regression: closing the platform while clients followed a job's events logged
// `Connection is closed` from readLog as an error ("Promise errored, but reply.sent = true
// was set"), and a follower still connected held the close until its job ended. A follower
// must end quietly when its connection, or the platform, closes.
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { execFileSync } from 'node:child_process';
import { pino } from 'pino';
import { startPlatform, removeImages, uniqueName, type Platform } from '../helpers/platform.js';
import { fixtureRepo, push } from '../helpers/git.js';

const apps: string[] = [];
afterAll(() => removeImages(apps));

/** Opens the job's event stream and reads until its first `state` event. */
async function follow(p: Platform, id: number, signal?: AbortSignal) {
  const res = await p.api(`/api/v1/jobs/${id}/events`, { token: p.adminToken, signal });
  expect(res.status).toBe(200);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let seen = '';
  while (!seen.includes('event: state')) seen += (await reader.read()).value ?? '';
  return reader;
}

/** Reads a stream to its end; true if it ended cleanly, false if the connection was cut. */
async function drain(reader: ReadableStreamDefaultReader<string>): Promise<boolean> {
  try {
    while (!(await reader.read()).done);
    return true;
  } catch {
    return false;
  }
}

describe('closing the platform while clients follow a job', () => {
  it('ends every follower and logs no error', async () => {
    const logged: { level: number; msg: string; err?: { message?: string } }[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    const p = await startPlatform({ log });
    // The test closes it itself; this only covers a failure before that (a second close does nothing).
    onTestFinished(() => p.close());
    const probe = uniqueName('probe');
    apps.push(probe);
    expect((await push(fixtureRepo('probe'), p.url, probe, 'admin', p.adminToken)).code).toBe(0);
    const f = new FormData();
    f.append('job[webapp_id]', probe);
    f.append('job[param]', 'sleep 120');
    const { id } = (await (await p.api('/api/v1/jobs', { method: 'POST', token: p.adminToken, body: f })).json()) as { id: number };
    await expect.poll(async () => ((await (await p.api(`/api/v1/jobs/${id}`, { token: p.adminToken })).json()) as { status: string }).status, { timeout: 60_000 }).toBe('running');

    // One client stays connected; another has just gone away, its follower still polling.
    const staying = await follow(p, id);
    const leaving = new AbortController();
    await follow(p, id, leaving.signal);
    leaving.abort();
    const ended = drain(staying);
    await p.close();

    expect(await ended).toBe(true);
    // The close did not wait for the job to end: its container still runs (the runner leaves
    // it to be re-attached).
    expect(execFileSync('docker', ['ps', '-q', '--filter', `label=allgo.job=${id}`, '--filter', `label=allgo.app=${probe}`], { encoding: 'utf8' }).trim()).not.toBe('');
    expect(logged.filter((l) => l.level >= 50).map((l) => `${l.msg}: ${l.err?.message ?? ''}`)).toEqual([]);
  });
});
