// With `cache: true`, a job that asks what an earlier successful one asked (same image, argv,
// values and input files) is served that result at once, and says so; job[no_cache]=1 runs
// it. Real server, Redis, Docker.
import { describe, expect } from 'vitest';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitForJob, type Job, type Platform } from '../helpers/platform.js';
import { platformTest } from '../helpers/platform-test.js';

const test = platformTest().extend<{ cached: string }>({
  /** The probe, caching its results. */
  cached: [async ({ platform }, use) => use(await platform.pushProbe((dir) => appendFileSync(join(dir, 'allgo.yaml'), 'cache: true\n'), 'cached')), { scope: 'file' }],
});

async function submit(p: Platform, token: string, fields: Record<string, string>, file?: [string, string]): Promise<{ status: number; body: Record<string, unknown> }> {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  if (file) f.append('files[0]', new Blob([file[1]]), file[0]);
  const res = await p.api('/api/v1/jobs', { method: 'POST', token, body: f });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const text = async (url: string): Promise<string> => (await fetch(url)).text();
const fileUrl = (job: Job, name: string): string => (job.files as { name: string; url: string }[]).find((f) => f.name === name)!.url;

describe('the result cache', () => {
  test('the same job again is done at once from the first one\'s result, with a line in its log; no_cache runs it', async ({ platform: p, cached }) => {
    const fields = { 'job[webapp_id]': cached, 'job[param]': 'bash "cat in.txt; date +%s%N > when.txt"' };
    const first = await submit(p, p.adminToken, fields, ['in.txt', 'data\n']);
    const ran = await waitForJob(p, first.body.id as number, p.adminToken);
    expect(ran).toMatchObject({ result: 'success' });
    expect(ran).not.toHaveProperty('cached_from');

    const second = await submit(p, p.adminToken, fields, ['in.txt', 'data\n']);
    expect(second.status).toBe(200);
    // Done already when its submission answers: no queue, no container.
    const hit = await p.job(second.body.id as number, p.adminToken);
    expect(hit).toMatchObject({ status: 'done', result: 'success', exit_code: 0, cached_from: ran.id });
    expect(await text(fileUrl(hit, 'when.txt'))).toBe(await text(fileUrl(ran, 'when.txt')));
    const log = await (await p.api(`/api/v1/jobs/${hit.id}/log`, { token: p.adminToken })).text();
    expect(log).toContain(`[allgo] served from the result cache: job ${ran.id}`);
    // Its crate lists the same outputs, with the same hashes.
    const crate = (await (await fetch(hit.provenance_url as string)).json()) as { '@graph': { '@id': string; sha256?: string; location?: string }[] };
    const first256 = (await (await fetch(ran.provenance_url as string)).json()) as typeof crate;
    const hashOf = (c: typeof crate) => c['@graph'].find((e) => e['@id'] === 'outputs/when.txt')?.sha256;
    expect(hashOf(crate)).toBe(hashOf(first256));
    expect(crate['@graph'].find((e) => e['@id'] === `#job-${hit.id}`)?.location).toContain(`served from the result cache (job ${ran.id})`);

    const forced = await submit(p, p.adminToken, { ...fields, 'job[no_cache]': '1' }, ['in.txt', 'data\n']);
    const real = await waitForJob(p, forced.body.id as number, p.adminToken);
    expect(real).toMatchObject({ result: 'success' });
    expect(real).not.toHaveProperty('cached_from');
    expect(await text(fileUrl(real, 'when.txt'))).not.toBe(await text(fileUrl(ran, 'when.txt')));
  });

  test('other inputs or other values are another job: it runs', async ({ platform: p, cached }) => {
    const first = await submit(p, p.adminToken, { 'job[webapp_id]': cached, 'job[param]': 'report in.txt' }, ['in.txt', 'one\n']);
    await waitForJob(p, first.body.id as number, p.adminToken);
    const otherInput = await submit(p, p.adminToken, { 'job[webapp_id]': cached, 'job[param]': 'report in.txt' }, ['in.txt', 'two\n']);
    expect(await waitForJob(p, otherInput.body.id as number, p.adminToken)).not.toHaveProperty('cached_from');
    const otherArgs = await submit(p, p.adminToken, { 'job[webapp_id]': cached, 'job[param]': 'report in.txt x' }, ['in.txt', 'one\n']);
    expect(await waitForJob(p, otherArgs.body.id as number, p.adminToken)).not.toHaveProperty('cached_from');
  });

  test('a public app\'s result is served to another user; an app without cache: true never is', async ({ platform: p, cached, probe, user }) => {
    const fields = { 'job[webapp_id]': cached, 'job[param]': 'write out.txt shared' };
    const first = await submit(p, p.adminToken, fields);
    await waitForJob(p, first.body.id as number, p.adminToken);
    const theirs = await submit(p, user.token, fields);
    expect(await p.job(theirs.body.id as number, user.token)).toMatchObject({ status: 'done', cached_from: first.body.id });

    const plain = { 'job[webapp_id]': probe, 'job[param]': 'write out.txt plain' };
    await waitForJob(p, (await submit(p, p.adminToken, plain)).body.id as number, p.adminToken);
    expect(await waitForJob(p, (await submit(p, p.adminToken, plain)).body.id as number, p.adminToken)).not.toHaveProperty('cached_from');
  });

  test('a failed job is never served, and a bad job[no_cache] is refused', async ({ platform: p, cached }) => {
    const fields = { 'job[webapp_id]': cached, 'job[param]': 'exit 3' };
    await waitForJob(p, (await submit(p, p.adminToken, fields)).body.id as number, p.adminToken);
    expect(await waitForJob(p, (await submit(p, p.adminToken, fields)).body.id as number, p.adminToken)).toMatchObject({ result: 'error', exit_code: 3 });
    expect(await submit(p, p.adminToken, { ...fields, 'job[no_cache]': 'maybe' })).toMatchObject({ status: 400, body: { code: 'bad_request' } });
  });
});
