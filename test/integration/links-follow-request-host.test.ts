// Regression: without ALLGO_PUBLIC_URL every link said http://localhost:8080, so a colleague on
// another machine got dead links. Links now follow the address each request came to; forwarded
// headers count only behind a proxy the config trusts.
import { describe, expect } from 'vitest';
import { request } from 'node:http';
import { startPlatform, waitForJob, type Platform } from '../helpers/platform.js';
import { platformTest } from '../helpers/platform-test.js';
import { fixtureRepo, push } from '../helpers/git.js';

// `platform` answers directly; `proxied` trusts a proxy. Both have the probe under one name.
const test = platformTest({ env: { ALLGO_PUBLIC_URL: '' } }).extend<{ proxied: Platform }>({
  proxied: [
    async ({ probe }, use) => {
      const proxied = await startPlatform({ env: { ALLGO_PUBLIC_URL: '' }, configYaml: 'trust_proxy: true\n' });
      const pushed = await push(fixtureRepo('probe'), proxied.url, probe, 'admin', proxied.adminToken);
      if (pushed.code !== 0) throw new Error(`the push of the probe as ${probe} was refused:\n${pushed.output}`);
      await use(proxied);
      await proxied.close();
    },
    { scope: 'file' },
  ],
});

/** A GET with the headers a browser on another machine, or a proxy, would send. */
function get(p: Platform, path: string, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = new URL(p.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, headers: { authorization: `Token token=${p.adminToken}`, ...headers } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('links without ALLGO_PUBLIC_URL', () => {
  test('follow the Host the request came with: job, file and app links', async ({ platform: direct, probe: app }) => {
    const f = new FormData();
    f.set('job[webapp_id]', app);
    f.set('job[param]', 'hello');
    const created = (await (await direct.api('/api/v1/jobs', { method: 'POST', token: direct.adminToken, body: f })).json()) as { id: number; url: string };
    expect(created.url).toBe(`${direct.url}/api/v1/jobs/${created.id}`);
    await waitForJob(direct, created.id, direct.adminToken);

    const job = await get(direct, `/api/v1/jobs/${created.id}`, { host: 'colleague-box.example:8080' });
    expect(job.body.url).toBe(`http://colleague-box.example:8080/api/v1/jobs/${created.id}`);
    const files = job.body.files as { url: string }[];
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(f.url).toMatch(new RegExp(`^http://colleague-box\\.example:8080/datastore/${created.id}/`));
    const detail = await get(direct, `/api/v1/apps/${app}`, { host: 'colleague-box.example:8080' });
    expect(detail.body).toMatchObject({ url: `http://colleague-box.example:8080/apps/${app}/`, git_url: `http://colleague-box.example:8080/git/${app}.git` });
  });

  test('ignore X-Forwarded-Host and -Proto unless trust_proxy is set', async ({ platform: direct, probe: app, proxied }) => {
    const forged = await get(direct, `/api/v1/apps/${app}`, { host: 'colleague-box.example:8080', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' });
    expect(forged.status).toBe(200);
    expect(forged.body.git_url).toBe(`http://colleague-box.example:8080/git/${app}.git`);
    const behindProxy = await get(proxied, `/api/v1/apps/${app}`, { host: '127.0.0.1', 'x-forwarded-host': 'allgo.lab.example', 'x-forwarded-proto': 'https' });
    expect(behindProxy.body).toMatchObject({ url: `https://allgo.lab.example/apps/${app}/`, git_url: `https://allgo.lab.example/git/${app}.git` });
    const ref = await get(proxied, '/api/openapi.json', { host: '127.0.0.1' });
    expect(ref.body.servers).toEqual([{ url: '/' }]);
  });

  test('in the push output, name the address the pusher used', async ({ platform: direct }) => {
    const other = direct.appName('links');
    const r = await push(fixtureRepo('probe'), direct.url.replace('127.0.0.1', 'localhost'), other, 'admin', direct.adminToken);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain(`${direct.url.replace('127.0.0.1', 'localhost')}/apps/${other}/`);
    expect(r.output).not.toContain('localhost:8080');
  });
});
