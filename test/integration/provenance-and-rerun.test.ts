// Every job says how it was made (an RO-Crate of its tool, parameters and hashed files), can be
// submitted again as it was, and a re-run whose outputs differ says which. Real server, Redis,
// Docker; the probe fixture writes the files.
import { describe, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { waitForJob, type Job, type Platform } from '../helpers/platform.js';
import { platformTest } from '../helpers/platform-test.js';
import { expandWithWarnings } from '../helpers/json-ld.js';

const test = platformTest();

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
type Entity = { '@id': string; '@type': string | string[]; [k: string]: unknown };
type Crate = { '@context': unknown; '@graph': Entity[] };

async function submitWithFile(p: Platform, token: string, app: string, param: string, file: [string, string]): Promise<number> {
  const f = new FormData();
  f.append('job[webapp_id]', app);
  f.append('job[param]', param);
  f.append('files[0]', new Blob([file[1]]), file[0]);
  const res = await p.api('/api/v1/jobs', { method: 'POST', token, body: f });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: number }).id;
}

async function rerun(p: Platform, token: string, id: number, body: unknown = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await p.api(`/api/v1/jobs/${id}/rerun`, { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const entity = (crate: Crate, id: string): Entity | undefined => crate['@graph'].find((e) => e['@id'] === id);
const ids = (v: unknown): string[] => (Array.isArray(v) ? v : [v]).map((r) => (r as { '@id': string })['@id']);

describe('provenance', () => {
  test('a job\'s crate names its tool, version, image digest and parameters, and hashes every file it holds, as its downloads are', async ({ platform: p, probe, tempDir }) => {
    const id = await submitWithFile(p, p.adminToken, probe, 'report in.txt', ['in.txt', 'hello\n']);
    const job = await waitForJob(p, id, p.adminToken);
    expect(job).toMatchObject({ status: 'done', result: 'success' });

    const res = await p.api(`/api/v1/jobs/${id}/provenance`, { token: p.adminToken });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/ld+json');
    const crate = (await res.json()) as Crate;
    // Flattened JSON-LD with RO-Crate 1.1's context; every entity named and typed, every
    // reference resolving in the graph or an absolute IRI.
    expect((crate['@context'] as string[])[0]).toBe('https://w3id.org/ro/crate/1.1/context');
    for (const e of crate['@graph']) {
      expect(typeof e['@id']).toBe('string');
      expect(e['@type']).toBeTruthy();
    }
    const refs = JSON.stringify(crate['@graph']).match(/\{"@id":"[^"]*"\}/g) ?? [];
    for (const r of refs) {
      const target = (JSON.parse(r) as { '@id': string })['@id'];
      if (!/^https?:\/\//.test(target)) expect(entity(crate, target), `reference ${target}`).toBeDefined();
    }
    // Valid JSON-LD: it expands with RO-Crate 1.1's context, with no warning and nothing dropped.
    const { expanded: graph, warnings } = await expandWithWarnings(crate);
    expect(warnings).toEqual([]);
    const expanded = JSON.stringify(graph);
    for (const iri of ['http://schema.org/CreateAction', 'http://schema.org/SoftwareApplication', 'https://w3id.org/ro/terms/workflow-run#sha256', 'https://w3id.org/ro/terms/workflow-run#exitCode']) expect(expanded).toContain(iri);
    expect(entity(crate, 'ro-crate-metadata.json')).toMatchObject({ conformsTo: { '@id': 'https://w3id.org/ro/crate/1.1' }, about: { '@id': './' } });
    expect(entity(crate, './')).toMatchObject({ '@type': 'Dataset', conformsTo: { '@id': 'https://w3id.org/ro/wfrun/process/0.5' } });

    const action = crate['@graph'].find((e) => e['@type'] === 'CreateAction')!;
    expect(action).toMatchObject({ startTime: job.started_at, endTime: job.finished_at, exitCode: 0, actionStatus: { '@id': 'http://schema.org/CompletedActionStatus' } });
    expect(action.description).toContain(JSON.stringify(['/usr/local/bin/probe', 'report', 'in.txt']));
    const tool = entity(crate, ids(action.instrument)[0])!;
    expect(tool).toMatchObject({ '@type': 'SoftwareApplication', name: probe, softwareVersion: '1.0' });
    const toolIds = ids(tool.identifier).map((i) => entity(crate, i)!);
    expect(toolIds.find((e) => e.propertyID === 'image-digest')?.value).toMatch(/sha256:[0-9a-f]{64}$/);
    expect(toolIds.find((e) => e.propertyID === 'git-commit')?.value).toMatch(/^[0-9a-f]{40}$/);

    const input = entity(crate, 'inputs/in.txt')!;
    expect(ids(action.object)).toContain('inputs/in.txt');
    expect(input).toMatchObject({ '@type': 'File', sha256: sha256('hello\n'), contentSize: '6' });
    expect(ids(action.result)).toEqual(['outputs/report.txt', 'allgo.log']);

    // The zip holds every file the crate lists, with the hash it states; the outputs downloaded
    // from the job's links have the same hashes.
    const answer = (await p.job(id)) as Job & { crate_url: string; files: { name: string; url: string }[] };
    const zipRes = await fetch(answer.crate_url);
    expect(zipRes.status).toBe(200);
    const dir = tempDir();
    writeFileSync(join(dir, 'crate.zip'), Buffer.from(await zipRes.arrayBuffer()));
    execFileSync('unzip', ['-q', 'crate.zip', '-d', 'x'], { cwd: dir });
    const inZip = JSON.parse(readFileSync(join(dir, 'x', 'ro-crate-metadata.json'), 'utf8')) as Crate;
    const parts = ids(entity(inZip, './')!.hasPart);
    expect(parts.sort()).toEqual(['allgo.log', 'inputs/in.txt', 'outputs/report.txt']);
    for (const part of parts) {
      const file = join(dir, 'x', ...part.split('/').map(decodeURIComponent));
      expect(existsSync(file), part).toBe(true);
      const stated = entity(inZip, part)!;
      expect(sha256(readFileSync(file))).toBe(stated.sha256);
      expect(String(statSync(file).size)).toBe(stated.contentSize);
    }
    for (const f of answer.files.filter((x) => x.name !== 'in.txt')) {
      const path = f.name === 'allgo.log' ? 'allgo.log' : `outputs/${f.name}`;
      expect(sha256(Buffer.from(await (await fetch(f.url)).arrayBuffer())), f.name).toBe(entity(inZip, path)!.sha256);
    }
  });

  test('the provenance is the job\'s as its files are: no token and no key, or another user\'s token, is a 404', async ({ platform: p, probe, user }) => {
    const id = await p.submit(probe, 'write a.txt x');
    await waitForJob(p, id, p.adminToken);
    for (const path of [`/api/v1/jobs/${id}/provenance`, `/api/v1/jobs/${id}/crate.zip`]) {
      expect((await fetch(`${p.url}${path}`)).status).toBe(404);
      expect((await fetch(`${p.url}${path}?key=wrong`)).status).toBe(404);
      const res = await p.api(path, { token: user.token });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: 'not_found' });
    }
  });
});

describe('re-run', () => {
  test('submits the same version, parameters and inputs again; a deterministic job is reproduced', async ({ platform: p, probe }) => {
    const id = await submitWithFile(p, p.adminToken, probe, 'report in.txt', ['in.txt', 'again\n']);
    await waitForJob(p, id, p.adminToken);
    const r = await rerun(p, p.adminToken, id);
    expect(r.status).toBe(200);
    const again = await waitForJob(p, r.body.id as number, p.adminToken);
    expect(again).toMatchObject({ status: 'done', result: 'success', version: '1.0', param: 'report in.txt', rerun_of: id });
    expect(again).not.toHaveProperty('not_reproduced');
    const report = (again.files as { name: string; url: string }[]).find((f) => f.name === 'report.txt')!;
    expect(await (await fetch(report.url)).text()).toBe('file=in.txt:again\n');
  });

  test('a re-run whose outputs differ from the original\'s is flagged not reproduced, naming the files', async ({ platform: p, probe }) => {
    const id = await p.submit(probe, 'bash "date +%s%N > t.txt; echo same > s.txt"');
    await waitForJob(p, id, p.adminToken);
    const r = await rerun(p, p.adminToken, id);
    expect(r.status).toBe(200);
    expect(await waitForJob(p, r.body.id as number, p.adminToken)).toMatchObject({ result: 'success', rerun_of: id, not_reproduced: ['t.txt'] });
  });

  test('bad re-runs are refused with a 4xx naming the problem', async ({ platform: p, probe, user }) => {
    const id = await p.submit(probe, 'write a.txt x');
    await waitForJob(p, id, p.adminToken);
    expect(await rerun(p, p.adminToken, id, { version: 'nope' })).toMatchObject({ status: 404, body: { code: 'not_found' } });
    expect(await rerun(p, p.adminToken, id, { queue: 'nope' })).toMatchObject({ status: 400, body: { code: 'unknown_queue' } });
    expect(await rerun(p, p.adminToken, id, { version: '' })).toMatchObject({ status: 400, body: { code: 'bad_request' } });
    expect(await rerun(p, p.adminToken, id, [1])).toMatchObject({ status: 400 });
    expect(await rerun(p, user.token, id)).toMatchObject({ status: 404, body: { code: 'not_found' } });
    expect(await rerun(p, p.adminToken, 999999)).toMatchObject({ status: 404, body: { code: 'not_found' } });
  });

  test('an input the job removed and wrote again is no longer the one it was given: its re-run is refused', async ({ platform: p, probe }) => {
    const id = await submitWithFile(p, p.adminToken, probe, 'bash "rm -f in.txt && echo changed > in.txt"', ['in.txt', 'original\n']);
    expect(await waitForJob(p, id, p.adminToken)).toMatchObject({ result: 'success' });
    expect(await rerun(p, p.adminToken, id)).toMatchObject({ status: 409, body: { code: 'rerun_inputs_changed' } });
  });
});
