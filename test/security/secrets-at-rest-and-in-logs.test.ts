// Where secrets rest and what the log says (issue 9, findings 12 and 13). The platform starts
// on a data dir laid out as before the fix (0755 folders), logs at info into memory, and runs
// a real job: then the files are read as another local user would, and the log as an operator
// would, looking for a download key, a token or a signature.
import { describe, expect, test as base } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startPlatform, waitForJob, type Platform } from '../helpers/platform.js';

interface Fixtures {
  /** Started on a data dir laid out as before the fix, logging at info into `logLines`. */
  platform: Platform;
  logLines: string[];
  /** A finished job of the probe app, and the URL of the file it wrote. */
  job: { id: number; fileUrl: string };
}

// This file's platform is its own: it starts on a prepared data dir and keeps its log.
const test = base.extend<Fixtures>({
  logLines: [async ({}, use) => use([]), { scope: 'file' }],
  platform: [
    async ({ logLines }, use) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'allgo-test-'));
      for (const dir of ['', 'repos', 'datastore']) mkdirSync(join(dataDir, dir), { recursive: true, mode: 0o755 });
      const sink = new Writable({
        write(chunk, _enc, done) {
          logLines.push(String(chunk));
          done();
        },
      });
      const p = await startPlatform({ dataDir, log: pino({ level: 'info' }, sink) });
      await use(p);
      await p.close();
    },
    { scope: 'file' },
  ],
  job: [
    async ({ platform: p }, use) => {
      const app = await p.pushProbe(undefined, 'secrets');
      const id = await p.submit(app, 'write out.txt result');
      const job = await waitForJob(p, id, p.adminToken);
      // The job, running as its non-root user, could still write its own folder.
      expect(job.result).toBe('success');
      await use({ id, fileUrl: (job.files as { name: string; url: string }[]).find((f) => f.name === 'out.txt')!.url });
    },
    { scope: 'file' },
  ],
});

const mode = (path: string) => statSync(path).mode & 0o777;

describe('secrets at rest', () => {
  // Checked once a job has run (the job fixture), as before the fix they were loosened by then.
  test('finding 13: the data dir, repos/ and datastore/ are 0700, allgo.db and the secret 0600', ({ platform: p, job: _ }) => {
    expect(mode(p.dataDir)).toBe(0o700);
    expect(mode(join(p.dataDir, 'repos'))).toBe(0o700);
    expect(mode(join(p.dataDir, 'datastore'))).toBe(0o700);
    for (const f of ['allgo.db', 'allgo.db-wal', 'allgo.db-shm', 'secret']) {
      if (existsSync(join(p.dataDir, f))) expect(mode(join(p.dataDir, f)), f).toBe(0o600);
    }
  });

  test('finding 13: allgo.db holds no download key and no API token', async ({ platform: p, job: { fileUrl } }) => {
    const key = new URL(fileUrl).pathname.split('/')[3];
    expect(key).toMatch(/^[0-9a-f]{40}$/);
    expect((await fetch(fileUrl)).status).toBe(200);
    const bytes = Buffer.concat(['allgo.db', 'allgo.db-wal'].filter((f) => existsSync(join(p.dataDir, f))).map((f) => readFileSync(join(p.dataDir, f))));
    expect(bytes.includes(key), 'the download key').toBe(false);
    expect(bytes.includes(p.adminToken), 'the admin token').toBe(false);
    // A key one digit off opens nothing.
    const wrong = fileUrl.replace(key, key.slice(0, -1) + (key.endsWith('0') ? '1' : '0'));
    expect((await fetch(wrong)).status).toBe(404);
  });
});

describe('secrets in the log', () => {
  test('finding 12: download keys, query-string tokens, signatures and Authorization never reach the log', async ({ platform: p, logLines, job: { id: jobId, fileUrl } }) => {
    const key = new URL(fileUrl).pathname.split('/')[3];
    const token = p.adminToken;
    const sig = 'f'.repeat(64);
    expect((await fetch(fileUrl)).status).toBe(200);
    expect((await fetch(`${p.url}/api/v1/jobs/${jobId}?token=${token}`)).status).toBe(401);
    expect((await fetch(`${p.url}/api/v1/jobs?access_token=${token}&limit=1`)).status).toBe(401);
    expect((await fetch(`${p.url}/internal/source/1?sig=${sig}`)).status).toBeGreaterThanOrEqual(400);
    expect((await fetch(`${p.url}/datastore/${jobId}/${key}/no-such-file`)).status).toBe(404);
    expect((await p.api('/api/v1/user', { token: `${token}x` })).status).toBe(401);
    // pino writes to the sink as each line is logged: every request above is in it already.
    const log = logLines.join('');
    expect(log).toContain(`/datastore/${jobId}/[redacted]/out.txt`);
    expect(log).toContain('token=[redacted]');
    expect(log).toContain('sig=[redacted]');
    for (const [what, secret] of [['download key', key], ['token', token], ['signature', sig]]) expect(log.includes(secret), what).toBe(false);
  });
});
