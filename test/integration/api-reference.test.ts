// The API reference is complete and true: every route is in /api/openapi.json, and real
// responses from every documented route match the schema the reference gives for them.
import { describe, expect } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { uniqueName, waitForJob, type Platform } from '../helpers/platform.js';
import { platformTest } from '../helpers/platform-test.js';
import { commitAll, editFile, exampleRepo, fixtureRepo, push } from '../helpers/git.js';

interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>>;
}

type Call = (method: string, path: string, init?: RequestInit & { token?: string }) => Promise<Response>;

const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
/** method + path template + status → checked at least once. */
const covered = new Set<string>();

const test = platformTest().extend<{ doc: OpenApi }>({
  doc: [async ({ platform }, use) => use((await (await fetch(`${platform.url}/api/openapi.json`)).json()) as OpenApi), { scope: 'file' }],
});

const template = (url: string): string => url.replace(/:([A-Za-z_]+)/g, '{$1}');

function findPath(doc: OpenApi, pathname: string): string | undefined {
  return Object.keys(doc.paths).find((t) => new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(pathname));
}

/** Calls the API and checks the answer against the reference's schema for that status. */
const caller = (p: Platform, doc: OpenApi): Call => async (method, path, init = {}) => {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Token token=${init.token}`);
  const res = await fetch(p.url + path, { ...init, method, headers });
  const tpl = findPath(doc, new URL(p.url + path).pathname);
  expect(tpl, `${method} ${path} is not in the reference`).toBeDefined();
  const responses = doc.paths[tpl!][method.toLowerCase()]?.responses;
  expect(responses, `${method} ${tpl} is not in the reference`).toBeDefined();
  const documented = responses![String(res.status)];
  expect(documented, `${method} ${tpl} answered ${res.status}, which the reference does not list`).toBeDefined();
  const type = res.headers.get('content-type') ?? '';
  if (type.startsWith('application/json')) {
    const schema = documented!.content?.['application/json']?.schema;
    expect(schema, `${method} ${tpl} ${res.status} has no JSON schema`).toBeDefined();
    const body = await res.clone().json();
    const valid = ajv.validate(schema!, body);
    expect(valid, `${method} ${tpl} ${res.status}: ${ajv.errorsText()}\n${JSON.stringify(body).slice(0, 400)}`).toBe(true);
  }
  covered.add(`${method.toUpperCase()} ${tpl} ${res.status}`);
  return res;
};

describe('the API reference', () => {
  test('is served as OpenAPI 3 with a browsable page', async ({ platform: p, doc }) => {
    expect(doc.openapi).toMatch(/^3\./);
    const page = await fetch(`${p.url}/api/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger');
  });

  test('documents every route the server has, with a schema for each success answer', ({ platform: p, doc }) => {
    const routes = p.running.server!.allgoRoutes.filter((r) => !r.hidden && r.method !== 'HEAD');
    expect(routes.length).toBeGreaterThan(10);
    for (const r of routes) {
      const entry = doc.paths[template(r.url)]?.[r.method.toLowerCase()];
      expect(entry, `${r.method} ${r.url} is not documented`).toBeDefined();
      const ok = Object.keys(entry!.responses).filter((s) => s.startsWith('2'));
      expect(ok.length, `${r.method} ${r.url} documents no success answer`).toBeGreaterThan(0);
    }
    // Plumbing stays out: git protocol and internal routes.
    expect(Object.keys(doc.paths).filter((k) => k.startsWith('/git/') || k.startsWith('/internal/'))).toEqual([]);
  });

  test('matches what every documented route really answers', async ({ platform: p, probe, doc }) => {
    const call = caller(p, doc);
    const token = p.adminToken;
    const userRes = await call('POST', '/api/v1/users', { token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: uniqueName('u'), email: 'u@example.org' }) });
    const { token: other, name: otherName } = (await userRes.json()) as { token: string; name: string };
    await call('POST', '/api/v1/users', { token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Bad Name', email: 'x@example.org' }) });
    await call('POST', '/api/v1/users', { token: other, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'someone', email: 'x@example.org' }) });
    await call('GET', '/api/v1/user', { token });
    await call('GET', '/api/v1/user');
    await call('GET', '/api/v1/apps');
    await call('GET', `/api/v1/apps/${probe}`, { token });
    await call('GET', `/api/v1/apps/${probe}`, { token: other });
    await call('GET', '/api/v1/apps/no-such-app');
    await call('GET', `/api/v1/apps/${probe}/versions/1.0/build-log`, { token });
    await call('GET', `/api/v1/apps/${probe}/versions/1.0/cwl`);
    await call('GET', `/api/v1/apps/${probe}/versions/1.0/boutiques`);
    await call('GET', `/api/v1/apps/${probe}/versions/1.0/image?format=sif`);
    await (await call('GET', `/api/v1/apps/${probe}/versions/1.0/image?format=docker-archive`)).body?.cancel();
    await call('GET', `/api/v1/apps/${probe}/releases`);
    await call('POST', `/api/v1/apps/${probe}/promote`, { token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version: '1.0' }) });
    await call('POST', `/api/v1/apps/${probe}/promote`, { token: other, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version: '1.0' }) });
    await call('POST', `/api/v1/apps/${probe}/rollback`, { token });
    await call('POST', `/api/v1/apps/${probe}/versions/9.9/yank`, { token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'wrong' }) });
    await call('POST', `/api/v1/apps/${probe}/versions/1.0/yank`, { token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({}) });
    // A rollback and a yank that succeed need an app with two versions (not the probe, which runs the jobs below).
    const released = p.appName('rel');
    const repo = fixtureRepo('probe');
    expect((await push(repo, p.url, released, 'admin', token)).code).toBe(0);
    editFile(repo, 'allgo.yaml', (t) => t.replace('version: "1.0"', 'version: "1.1"'));
    commitAll(repo, '1.1');
    expect((await push(repo, p.url, released, 'admin', token)).code).toBe(0);
    await call('POST', `/api/v1/apps/${released}/rollback`, { token });
    await call('POST', `/api/v1/apps/${released}/versions/1.1/yank`, { token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'wrong' }) });
    await call('GET', '/api/v1/queues');
    await call('GET', '/api/v1/health');
    await call('GET', '/api/v1/runners', { token });
    await call('GET', '/api/v1/runners', { token: other });
    await call('PATCH', `/api/v1/users/${otherName}`, { token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ max_waiting: 100, storage_gb: null }) });
    await call('PATCH', `/api/v1/users/${otherName}`, { token: other, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ max_waiting: 1 }) });
    await call('PATCH', '/api/v1/users/no-such-user', { token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ max_waiting: 1 }) });
    await call('GET', '/api/v1/storage', { token });
    await call('GET', '/api/v1/storage', { token: other });
    await call('GET', '/api/v1/admin/overview', { token });
    await call('GET', '/api/v1/admin/overview', { token: other });
    await call('POST', `/api/v1/users/${otherName}/prune`, { token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ older_than: '7d' }) });
    await call('POST', `/api/v1/users/${otherName}/prune`, { token: other, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ older_than: '7d' }) });
    const runnerName = uniqueName('r');
    const json = { 'content-type': 'application/json' };
    await call('POST', '/api/v1/runner-tokens', { token, headers: json, body: JSON.stringify({ name: runnerName }) });
    await call('POST', '/api/v1/runner-tokens', { token, headers: json, body: JSON.stringify({ name: runnerName }) });
    await call('POST', '/api/v1/runner-tokens', { token, headers: json, body: JSON.stringify({ name: 'Bad Name' }) });
    await call('GET', '/api/v1/runner-tokens', { token });
    await call('DELETE', `/api/v1/runner-tokens/${runnerName}`, { token });
    await call('DELETE', `/api/v1/runner-tokens/${runnerName}`, { token });

    const f = new FormData();
    f.append('job[webapp_id]', probe);
    f.append('job[param]', 'write out.txt hello');
    f.append('files[0]', new Blob(['input']), 'in.txt');
    const created = (await (await call('POST', '/api/v1/jobs', { token, body: f })).json()) as { id: number };
    const bad = new FormData();
    bad.append('job[webapp_id]', 'no-such-app');
    await call('POST', '/api/v1/jobs', { token, body: bad });
    await waitForJob(p, created.id, token);
    const job = (await (await call('GET', `/api/v1/jobs/${created.id}`, { token })).json()) as { files: { url: string }[] };
    await call('GET', `/api/v1/jobs/${created.id}`, { token: other });
    await call('GET', '/api/v1/jobs?limit=1', { token });
    await call('GET', `/api/v1/jobs/${created.id}/log`, { token });
    await call('GET', `/api/v1/jobs/${created.id}/events`, { token });
    await call('GET', new URL(job.files[0].url).pathname);
    await call('GET', `/datastore/${created.id}/${'0'.repeat(40)}/out.txt`);
    await call('GET', `/api/v1/jobs/${created.id}/files.zip`, { token });
    await call('GET', `/api/v1/jobs/${created.id}/files.zip`);
    await call('GET', `/api/v1/jobs/${created.id}/provenance`, { token });
    await call('GET', `/api/v1/jobs/${created.id}/provenance`);
    await call('GET', `/api/v1/jobs/${created.id}/crate.zip`, { token });
    await call('GET', `/api/v1/jobs/${created.id}/crate.zip`);
    const rerun = (await (await call('POST', `/api/v1/jobs/${created.id}/rerun`, { token, headers: json, body: '{}' })).json()) as { id: number };
    await call('POST', `/api/v1/jobs/${created.id}/rerun`, { token, headers: json, body: JSON.stringify({ version: 'nope' }) });
    await waitForJob(p, rerun.id, token);

    const running = new FormData();
    running.append('job[webapp_id]', probe);
    running.append('job[param]', 'sleep 30');
    const long = (await (await call('POST', '/api/v1/jobs', { token, body: running })).json()) as { id: number };
    await expect.poll(async () => (await p.job(long.id)).status, { message: `job ${long.id} never ran` }).toBe('running');
    await call('POST', `/api/v1/jobs/${long.id}/cancel`, { token });
    await call('DELETE', `/api/v1/jobs/${long.id}`, { token });
    await call('POST', `/api/v1/jobs/${created.id}/cancel`, { token });
    await call('DELETE', `/api/v1/jobs/${created.id}`, { token });
    await call('GET', new URL(job.files[0].url).pathname);

    // Webhooks, once no more jobs are submitted (a default webhook would serve them): a public
    // address literal needs no DNS; this platform's config refuses loopback.
    await call('POST', '/api/v1/user/webhook/secret', { token });
    await call('PUT', '/api/v1/user/webhook', { token, headers: json, body: JSON.stringify({ url: 'http://127.0.0.1:9/hook' }) });
    await call('PUT', '/api/v1/user/webhook', { token, headers: json, body: JSON.stringify({ url: 'https://93.184.216.34/hook', events: ['finished'] }) });
    await call('PUT', '/api/v1/user/webhook', { token, headers: json, body: JSON.stringify({ url: 'https://93.184.216.34/hook', events: ['start', 'completed'] }) });
    await call('GET', '/api/v1/user/webhook', { token });
    await call('GET', '/api/v1/user/webhook');
    await call('DELETE', '/api/v1/user/webhook', { token });
    await call('GET', `/api/v1/jobs/${rerun.id}/webhooks`, { token });
    await call('GET', `/api/v1/jobs/${rerun.id}/webhooks`, { token: other });

    // Webapp sessions: start, read, list and stop one; refusals.
    const viewer = p.appName('viewer');
    expect((await push(exampleRepo('viewer'), p.url, viewer, 'admin', token)).code).toBe(0);
    const session = (await (await call('POST', `/api/v1/apps/${viewer}/sessions`, { token, headers: json, body: JSON.stringify({}) })).json()) as { id: string };
    await call('POST', `/api/v1/apps/${probe}/sessions`, { token });
    await call('POST', `/api/v1/apps/${viewer}/sessions`);
    await call('GET', `/api/v1/apps/${viewer}/sessions/${session.id}`, { token });
    await call('GET', `/api/v1/apps/${viewer}/sessions/${session.id}`, { token: other });
    await call('GET', '/api/v1/sessions', { token });
    await call('POST', `/api/v1/apps/${viewer}/sessions/${session.id}/share`, { token });
    await call('POST', `/api/v1/apps/${viewer}/sessions/${session.id}/share`, { token: other });
    await call('DELETE', `/api/v1/apps/${viewer}/sessions/${session.id}/share`, { token });
    await call('DELETE', `/api/v1/apps/${viewer}/sessions/${session.id}`, { token });
    await call('GET', `/api/v1/apps/${viewer}/sessions/${session.id}/events`, { token });
    await call('GET', `/api/v1/apps/${viewer}/sessions/${session.id}/events`, { token: other });

    // Every documented route was exercised with a success answer.
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const method of Object.keys(methods)) {
        expect([...covered].some((c) => c.startsWith(`${method.toUpperCase()} ${path} 2`)), `${method.toUpperCase()} ${path} was not exercised`).toBe(true);
      }
    }
  });
});
