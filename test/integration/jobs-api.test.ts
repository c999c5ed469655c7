// Every bad job submission gets a 4xx naming the problem, and every job ends with a result
// that explains itself. Real server, Redis, Docker; the probe fixture provokes each outcome.
import { describe, expect } from 'vitest';
import { appendFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { uniqueName, waitForJob, type Platform } from '../helpers/platform.js';
import { platformTest } from '../helpers/platform-test.js';
import { fixtureRepo, push } from '../helpers/git.js';

const CONFIG = `
queues:
  quick: {time_limit: 2s, description: tests}
  standard: {time_limit: 20m}
limits:
  upload_mb: 1
`;

const test = platformTest({ configYaml: CONFIG }).extend<{ secret: string }>({
  /** A private app of the admin's. */
  secret: [async ({ platform }, use) => use(await platform.pushProbe((dir) => appendFileSync(join(dir, 'allgo.yaml'), 'private: true\n'), 'secret')), { scope: 'file' }],
});

function form(fields: Record<string, string>, files: Record<string, [string, string]> = {}): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  for (const [k, [name, content]] of Object.entries(files)) f.append(k, new Blob([content]), name);
  return f;
}

async function submit(p: Platform, token: string | undefined, fields: Record<string, string>, files?: Record<string, [string, string]>) {
  const res = await p.api('/api/v1/jobs', { method: 'POST', token, body: form(fields, files) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('job results explain themselves', () => {
  test('a non-zero exit is an error with its code', async ({ platform: p, probe }) => {
    const { body } = await submit(p, p.adminToken, { 'job[webapp_id]': probe, 'job[param]': 'exit 3' });
    expect(await waitForJob(p, body.id as number, p.adminToken)).toMatchObject({ status: 'done', result: 'error', exit_code: 3, message: 'exited with code 3' });
  });

  test('a job over its queue time limit is killed and ends as timeout, naming the limit', async ({ platform: p, probe }) => {
    const { body } = await submit(p, p.adminToken, { 'job[webapp_id]': probe, 'job[param]': 'sleep 30', 'job[queue]': 'quick' });
    const job = await waitForJob(p, body.id as number, p.adminToken);
    expect(job).toMatchObject({ status: 'done', result: 'timeout', queue: 'quick' });
    expect(job.message).toContain('time limit of 2s (queue quick)');
    const log = await (await p.api(`/api/v1/jobs/${body.id}/log`, { token: p.adminToken })).text();
    expect(log).toContain('sleeping 30');
    expect(log).not.toContain('woke up');
    expect(log).toContain('[allgo] killed: time limit of 2s');
  });

  test('runs as a non-root user in its own folder', async ({ platform: p, probe }) => {
    const { body } = await submit(p, p.adminToken, { 'job[webapp_id]': probe, 'job[param]': 'whoami' });
    const job = await waitForJob(p, body.id as number, p.adminToken);
    expect(job).toMatchObject({ result: 'success' });
    const log = await (await p.api(`/api/v1/jobs/${body.id}/log`, { token: p.adminToken })).text();
    expect(log.split('\n')[0]).toBe('65534');
  });

  test('a missing entrypoint program is an error that says it could not start', async ({ platform: p }) => {
    const app = p.appName('noexec');
    const repo = fixtureRepo('probe', (dir) => writeFileSync(join(dir, 'allgo.yaml'), 'version: "1.0"\nentrypoint: /usr/local/bin/nothing-here\n'));
    expect((await push(repo, p.url, app, 'admin', p.adminToken)).code).toBe(0);
    const { body } = await submit(p, p.adminToken, { 'job[webapp_id]': app });
    const job = await waitForJob(p, body.id as number, p.adminToken);
    expect(job).toMatchObject({ status: 'done', result: 'error' });
    expect(job.message).toMatch(/could not start \/usr\/local\/bin\/nothing-here/);
  });
});

describe('live logs', () => {
  test('streams state and log lines as Server-Sent Events while the job runs, and resumes from Last-Event-ID', async ({ platform: p, probe }) => {
    const { body } = await submit(p, p.adminToken, { 'job[webapp_id]': probe, 'job[param]': 'tick 5' });
    const events = await readEvents(p, `/api/v1/jobs/${body.id}/events`, p.adminToken);
    const logText = events.filter((e) => e.event === 'log').map((e) => JSON.parse(e.data) as string).join('');
    expect(logText).toBe('tick 1\ntick 2\ntick 3\ntick 4\ntick 5\n');
    // Lines arrived in several events, as they were printed, not in one piece at the end.
    expect(events.filter((e) => e.event === 'log').length).toBeGreaterThan(1);
    const states = events.filter((e) => e.event === 'state').map((e) => JSON.parse(e.data).status);
    expect(states.at(-1)).toBe('done');
    expect(events.at(-1)?.event).toBe('end');

    const logEvents = events.filter((e) => e.event === 'log');
    const resumed = await readEvents(p, `/api/v1/jobs/${body.id}/events`, p.adminToken, logEvents[0].id);
    const rest = resumed.filter((e) => e.event === 'log').map((e) => JSON.parse(e.data) as string).join('');
    expect(JSON.parse(logEvents[0].data) + rest).toBe(logText);
  });
});

describe('bad submissions are refused with a reason', () => {
  test('needs a token, and says so', async ({ platform: p, probe }) => {
    const none = await submit(p, undefined, { 'job[webapp_id]': probe });
    expect(none.status).toBe(401);
    expect(none.body.error).toMatch(/Authorization: Token token=/);
    const wrong = await submit(p, 'not-a-token', { 'job[webapp_id]': probe });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toMatch(/invalid token/);
  });

  test('a multipart body sent where no files are taken is refused 415, saying where files go', async ({ platform: p }) => {
    const form = new FormData();
    form.set('version', '1.0');
    const res = await p.api('/api/v1/jobs/1/rerun', { method: 'POST', body: form, headers: { authorization: `Token token=${p.adminToken}` } });
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({ error: expect.stringContaining('multipart/form-data) go only to POST /api/v1/jobs'), code: 'unsupported_media_type' });
  });

  test('also accepts Bearer tokens', async ({ platform: p }) => {
    const res = await p.api('/api/v1/user', { headers: { authorization: `Bearer ${p.adminToken}` } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { name: string }).name).toBe('admin');
  });

  test('names an unknown app, version or queue', async ({ platform: p, probe }) => {
    expect(await submit(p, p.adminToken, { 'job[webapp_id]': '999999' })).toMatchObject({ status: 404, body: { error: expect.stringContaining('no app "999999"'), code: 'not_found' } });
    expect(await submit(p, p.adminToken, { 'job[webapp_id]': 'no-such-app' })).toMatchObject({ status: 404 });
    expect(await submit(p, p.adminToken, { 'job[webapp_id]': probe, 'job[version]': '9.9' })).toMatchObject({
      status: 404,
      body: { error: expect.stringContaining('no version "9.9"') },
    });
    expect(await submit(p, p.adminToken, { 'job[webapp_id]': probe, 'job[queue]': 'express' })).toMatchObject({
      status: 400,
      body: { error: 'unknown queue "express": use one of quick, standard', code: 'unknown_queue' },
    });
    expect(await submit(p, p.adminToken, {})).toMatchObject({ status: 400, body: { error: expect.stringContaining('job[webapp_id]') } });
  });

  test('refuses unbalanced quotes in the parameters', async ({ platform: p, probe }) => {
    expect(await submit(p, p.adminToken, { 'job[webapp_id]': probe, 'job[param]': "args 'open" })).toMatchObject({
      status: 400,
      body: { error: expect.stringContaining('unterminated single quote'), code: 'bad_param' },
    });
  });

  test('refuses file names that would leave the job folder, and writes nothing', async ({ platform: p, probe }) => {
    const before = readdirSync(join(p.dataDir, 'datastore')).filter((n) => n !== '.incoming').length;
    for (const name of ['../../escape.txt', 'a/b.txt', 'tab\there.txt', 'bell\u0007.txt', '..', 'allgo.log']) {
      const r = await rawMultipart(p, p.adminToken, probe, name);
      expect(r.status, name).toBe(400);
      expect(JSON.parse(r.body).code, name).toBe('bad_file_name');
    }
    expect(readdirSync(join(p.dataDir, 'datastore')).filter((n) => n !== '.incoming').length).toBe(before);
    expect(readdirSync(join(p.dataDir, 'datastore', '.incoming'))).toEqual([]);
  });

  test('refuses an upload over the configured limit with 413', async ({ platform: p, probe }) => {
    const big = 'x'.repeat(1024 * 1024 + 10);
    const r = await submit(p, p.adminToken, { 'job[webapp_id]': probe }, { 'files[0]': ['big.bin', big] });
    expect(r.status).toBe(413);
    expect(r.body.error).toContain('upload limit of 1 MB');
  });
});

describe('private apps and other users', () => {
  test('hides a private app from other users: absent from lists, 404 everywhere', async ({ platform: p, probe, secret, user }) => {
    const list = (await (await p.api('/api/v1/apps', { token: user.token })).json()) as { apps: { name: string }[] };
    expect(list.apps.map((a) => a.name)).toContain(probe);
    expect(list.apps.map((a) => a.name)).not.toContain(secret);
    expect((await p.api(`/api/v1/apps/${secret}`, { token: user.token })).status).toBe(404);
    expect((await p.api(`/api/v1/apps/${secret}`)).status).toBe(404);
    expect((await submit(p, user.token, { 'job[webapp_id]': secret })).status).toBe(404);
    // Its owner sees it.
    const mine = (await (await p.api('/api/v1/apps', { token: p.adminToken })).json()) as { apps: { name: string; private: boolean }[] };
    expect(mine.apps.find((a) => a.name === secret)?.private).toBe(true);
  });

  test('shows a job only to its owner, while its download links work for anyone holding them', async ({ platform: p, probe, user }) => {
    const { body } = await submit(p, user.token, { 'job[webapp_id]': probe, 'job[param]': 'write out.txt shared' });
    const job = await waitForJob(p, body.id as number, user.token);
    expect(job).toMatchObject({ result: 'success' });
    const other = await p.addUser(uniqueName('other'));
    expect((await p.api(`/api/v1/jobs/${body.id}`, { token: other })).status).toBe(404);
    expect((await p.api(`/api/v1/jobs/${body.id}`)).status).toBe(401);
    expect((await p.api(`/api/v1/jobs/${body.id}`, { token: p.adminToken })).status).toBe(200);
    const url = (job[String(body.id)] as Record<string, string>)['out.txt'];
    expect(await (await fetch(url)).text()).toBe('shared\n');
    expect((await fetch(url.replace(/\/[0-9a-f]{40}\//, '/' + '0'.repeat(40) + '/'))).status).toBe(404);
    const mine = (await (await p.api('/api/v1/jobs', { token: user.token })).json()) as { jobs: { id: number }[] };
    expect(mine.jobs[0].id).toBe(body.id);
  });

  test('lets only admins create users', async ({ platform: p, user }) => {
    const res = await p.api('/api/v1/users', {
      method: 'POST',
      token: user.token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'mallory', email: 'm@example.org' }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toBe('only admins can create users');
  });

  test('answers health with each dependency checked', async ({ platform: p }) => {
    const res = await p.api('/api/v1/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', checks: { store: { ok: true }, redis: { ok: true }, docker: { ok: true } } });
  });
});

/** A multipart body written by hand, so the file name reaches the server exactly as given. */
function rawMultipart(p: Platform, token: string, app: string, filename: string): Promise<{ status: number; body: string }> {
  const boundary = '----allgotest' + Math.random().toString(16).slice(2);
  const body =
    `--${boundary}\r\nContent-Disposition: form-data; name="job[webapp_id]"\r\n\r\n${app}\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="files[0]"; filename*=UTF-8''${encodeURIComponent(filename)}\r\nContent-Type: text/plain\r\n\r\nevil\r\n` +
    `--${boundary}--\r\n`;
  const url = new URL('/api/v1/jobs', p.url);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { authorization: `Token token=${token}`, 'content-type': `multipart/form-data; boundary=${boundary}` } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/** Reads an SSE stream to its end (the server closes it once the job is done). */
async function readEvents(p: Platform, path: string, token: string, lastEventId?: string): Promise<SseEvent[]> {
  const headers: Record<string, string> = { authorization: `Token token=${token}` };
  if (lastEventId) headers['last-event-id'] = lastEventId;
  const res = await fetch(p.url + path, { headers, signal: AbortSignal.timeout(60_000) });
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.trim() && !block.startsWith(':'))
    .map((block) => {
      const e: SseEvent = { event: 'message', data: '' };
      for (const line of block.split('\n')) {
        const [k, ...v] = line.split(': ');
        if (k === 'id') e.id = v.join(': ');
        if (k === 'event') e.event = v.join(': ');
        if (k === 'data') e.data = v.join(': ');
      }
      return e;
    });
}
