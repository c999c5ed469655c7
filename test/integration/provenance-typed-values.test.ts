// Provenance, re-run and the result cache with typed values: each value is in the crate (a
// secret masked, in the argv too), a file parameter's file is re-sent by a re-run, and a job
// with a secret is neither re-run nor cached, since allgo keeps its value nowhere.
import { describe, expect } from 'vitest';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitForJob, type Platform } from '../helpers/platform.js';
import { platformTest } from '../helpers/platform-test.js';

const TYPED = `command: [args]
cache: true
parameters:
  - {id: image, type: file, accept: [.txt], required: true, position: 1}
  - {id: frac, type: number, default: 0.5, flag: -f}
  - {id: token, type: string, secret: true, flag: --token}
`;

const test = platformTest().extend<{ typed: string }>({
  typed: [async ({ platform }, use) => use(await platform.pushProbe((dir) => appendFileSync(join(dir, 'allgo.yaml'), TYPED), 'typed')), { scope: 'file' }],
});

async function submit(p: Platform, app: string, values: Record<string, string>): Promise<number> {
  const f = new FormData();
  f.append('job[webapp_id]', app);
  for (const [k, v] of Object.entries(values)) f.append(`job[params][${k}]`, v);
  f.append('files[image]', new Blob(['pixels']), 'in.txt');
  const res = await p.api('/api/v1/jobs', { method: 'POST', token: p.adminToken, body: f });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: number }).id;
}

const argsOf = async (p: Platform, id: number): Promise<string[]> =>
  (await (await p.api(`/api/v1/jobs/${id}/log`, { token: p.adminToken })).text()).split('\n').filter((l) => l.startsWith('arg=')).map((l) => l.slice(4));
const rerun = (p: Platform, id: number) => p.api(`/api/v1/jobs/${id}/rerun`, { method: 'POST', token: p.adminToken, headers: { 'content-type': 'application/json' }, body: '{}' });

describe('typed values', () => {
  test('are in the crate; a re-run sends the file parameter\'s file again and runs the same argv; the same values are cached', async ({ platform: p, typed }) => {
    const id = await submit(p, typed, { frac: '0.3' });
    await waitForJob(p, id, p.adminToken);
    const crate = (await (await p.api(`/api/v1/jobs/${id}/provenance`, { token: p.adminToken })).json()) as { '@graph': Record<string, unknown>[] };
    const values = crate['@graph'].filter((e) => e['@type'] === 'PropertyValue' && typeof e.name === 'string').map((e) => [e.name, e.value]);
    expect(values).toEqual(expect.arrayContaining([['image', 'in.txt'], ['frac', '0.3']]));

    const res = await rerun(p, id);
    expect(res.status).toBe(200);
    const again = ((await res.json()) as { id: number }).id;
    expect(await waitForJob(p, again, p.adminToken)).toMatchObject({ result: 'success', rerun_of: id, params: { image: 'in.txt', frac: 0.3 } });
    expect(await argsOf(p, again)).toEqual(await argsOf(p, id));

    const hit = await submit(p, typed, { frac: '0.3' });
    // The newest job that ran with those values: the re-run.
    expect(await p.job(hit, p.adminToken)).toMatchObject({ status: 'done', cached_from: again });
  });

  test('a job with a secret keeps it out of its provenance, and is neither re-run nor cached', async ({ platform: p, typed }) => {
    const id = await submit(p, typed, { token: 's3cr3t-value' });
    await waitForJob(p, id, p.adminToken);
    const crate = await (await p.api(`/api/v1/jobs/${id}/provenance`, { token: p.adminToken })).text();
    expect(crate).not.toContain('s3cr3t-value');
    expect(crate).toContain('\\"--token\\",\\"********\\"');
    const res = await rerun(p, id);
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: 'rerun_secret' });
    const second = await submit(p, typed, { token: 's3cr3t-value' });
    expect(await waitForJob(p, second, p.adminToken)).not.toHaveProperty('cached_from');
  });
});
