// Issue 9, a probe that held: every authorization check on apps, jobs, users and git, asked by
// every kind of caller. alice and bob are providers, carol a plain user, anon sends no token.
// alice owns a private app and a job on it; carol has a job on the public probe. Each row says
// who gets what; a private app answers as a name that does not exist to all but its owner.
import { describe, expect } from 'vitest';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { uniqueName, waitForJob, type Platform } from '../helpers/platform.js';
import { platformTest } from '../helpers/platform-test.js';
import { fixtureRepo, push, runAsync } from '../helpers/git.js';

interface Caller {
  name: string;
  token?: string;
}
type Who = 'alice' | 'bob' | 'carol' | 'anon' | 'admin';

interface Fixtures {
  callers: Record<Who, Caller>;
  /** alice's private app, and her job on it. */
  priv: { app: string; job: number };
  /** carol's finished job on the public probe. */
  carolJob: number;
}

const test = platformTest({ configYaml: 'providers: {email_domains: [lab.example]}\n' }).extend<Fixtures>({
  callers: [
    async ({ platform: p, user }, use) => {
      const provider = async (base: string) => {
        const name = uniqueName(base);
        return { name, token: await p.addUser(name, { email: `${name}@lab.example` }) };
      };
      use({ alice: await provider('alice'), bob: await provider('bob'), carol: user, anon: { name: 'anon' }, admin: { name: 'admin', token: p.adminToken } });
    },
    { scope: 'file' },
  ],
  priv: [
    async ({ platform: p, callers: { alice } }, use) => {
      const app = p.appName('alice-priv');
      const r = await push(fixtureRepo('probe', (dir) => appendFileSync(join(dir, 'allgo.yaml'), 'private: true\n')), p.url, app, alice.name, alice.token!);
      expect(r.code, r.output).toBe(0);
      const job = await p.submit(app, 'sleep 600', { token: alice.token });
      await use({ app, job });
    },
    { scope: 'file' },
  ],
  carolJob: [
    async ({ platform: p, probe, callers: { carol } }, use) => {
      const id = await p.submit(probe, 'write out.txt carol', { token: carol.token });
      await waitForJob(p, id, carol.token!);
      await use(id);
    },
    { scope: 'file' },
  ],
});

const WHO: Who[] = ['alice', 'bob', 'carol', 'anon', 'admin'];

/** Each caller's status for one request. */
async function statuses(p: Platform, callers: Record<Who, Caller>, path: string, init: RequestInit = {}): Promise<Record<Who, number>> {
  const out = {} as Record<Who, number>;
  for (const who of WHO) {
    const res = await p.api(path, { ...init, token: callers[who].token });
    await res.arrayBuffer();
    out[who] = res.status;
  }
  return out;
}

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('the authorization matrix (held)', () => {
  test("apps: a private app is its owner's and the admins', and does not exist for anyone else", async ({ platform: p, callers, priv, probe }) => {
    const hidden = { alice: 200, bob: 404, carol: 404, anon: 404, admin: 200 };
    expect(await statuses(p, callers, `/api/v1/apps/${priv.app}`)).toEqual(hidden);
    expect(await statuses(p, callers, `/api/v1/apps/${priv.app}/versions/1.0/build-log`)).toEqual(hidden);
    // The build log of a public app is still its owner's (the admin's probe).
    expect(await statuses(p, callers, `/api/v1/apps/${probe}/versions/1.0/build-log`)).toMatchObject({ alice: 404, bob: 404, carol: 404, admin: 200 });
    for (const who of WHO) {
      const list = (await (await p.api('/api/v1/apps', { token: callers[who].token })).json()) as { apps: { name: string }[] };
      expect(list.apps.some((a) => a.name === priv.app), who).toBe(hidden[who] === 200);
      expect(list.apps.some((a) => a.name === probe), who).toBe(true);
    }
    // What the others get is what a free name gets, but for the name.
    const answer = async (name: string) => (await (await p.api(`/api/v1/apps/${name}`, { token: callers.bob.token })).text()).replaceAll(name, 'NAME');
    expect(await answer(priv.app)).toBe(await answer(uniqueName('alice-priv')));
  });

  test('jobs: only their owner and the admins see, follow, cancel or delete them; nobody runs a private app of another', async ({ platform: p, callers, priv, carolJob }) => {
    const aliceOnly = { alice: 200, bob: 404, carol: 404, anon: 401, admin: 200 };
    for (const path of [`/api/v1/jobs/${priv.job}`, `/api/v1/jobs/${priv.job}/log`]) expect(await statuses(p, callers, path), path).toEqual(aliceOnly);
    expect(await statuses(p, callers, `/api/v1/jobs/${carolJob}`)).toEqual({ alice: 404, bob: 404, carol: 200, anon: 401, admin: 200 });
    // Its provenance is its files': a token of its owner or an admin, or its key (without one, anon gets a 404 as for files.zip).
    for (const path of [`/api/v1/jobs/${carolJob}/provenance`, `/api/v1/jobs/${carolJob}/crate.zip`]) expect(await statuses(p, callers, path), path).toEqual({ alice: 404, bob: 404, carol: 200, anon: 404, admin: 200 });
    // Others may not cancel, delete or re-run it: asked by everyone but its owner and the admins, it runs on.
    for (const who of ['bob', 'carol', 'anon'] as const) {
      for (const [method, path] of [['POST', `/api/v1/jobs/${priv.job}/cancel`], ['DELETE', `/api/v1/jobs/${priv.job}`], ['GET', `/api/v1/jobs/${priv.job}/events`], ['POST', `/api/v1/jobs/${priv.job}/rerun`]]) {
        const res = await p.api(path, { method, token: callers[who].token, ...(path.endsWith('/rerun') ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}) });
        await res.arrayBuffer();
        expect(res.status, `${who} ${method} ${path}`).toBe(who === 'anon' ? 401 : 404);
      }
    }
    expect((await p.job(priv.job, callers.alice.token)).status).not.toMatch(/abort|done|deleted/);
    for (const who of ['bob', 'carol'] as const) {
      const form = new FormData();
      form.append('job[webapp_id]', priv.app);
      const res = await p.api('/api/v1/jobs', { method: 'POST', token: callers[who].token, body: form });
      expect(res.status, who).toBe(404);
    }
    // Each list holds its caller's jobs only.
    for (const who of ['alice', 'bob', 'carol'] as const) {
      const { jobs } = (await (await p.api('/api/v1/jobs', { token: callers[who].token })).json()) as { jobs: { id: number }[] };
      expect(jobs.map((j) => j.id).sort(), who).toEqual({ alice: [priv.job], bob: [], carol: [carolJob] }[who]);
    }
    expect((await p.api(`/api/v1/jobs/${priv.job}/cancel`, { method: 'POST', token: callers.alice.token })).status).toBeLessThan(300);
  });

  test('users and runners: only admins create users or runner tokens, list runners, or see the admin overview', async ({ platform: p, callers }) => {
    const adminOnly = (created: number) => ({ alice: 403, bob: 403, carol: 403, anon: 401, admin: created });
    expect(await statuses(p, callers, '/api/v1/users', json({ name: uniqueName('mallory'), email: 'm@lab.example', provider: true }))).toEqual(adminOnly(201));
    expect(await statuses(p, callers, '/api/v1/runners')).toEqual(adminOnly(200));
    expect(await statuses(p, callers, '/api/v1/admin/overview')).toEqual(adminOnly(200));
    expect(await statuses(p, callers, '/api/v1/runner-tokens')).toEqual(adminOnly(200));
    expect(await statuses(p, callers, '/api/v1/runner-tokens', json({ name: uniqueName('rogue') }))).toEqual(adminOnly(201));
    // Each token says who it is, and nothing about anyone else.
    for (const who of ['alice', 'bob', 'carol'] as const) {
      expect(await (await p.api('/api/v1/user', { token: callers[who].token })).json(), who).toMatchObject({ name: callers[who].name });
    }
  });

  test("git: a plain user pushes no app, a provider neither pushes to nor fetches another's", async ({ platform: p, callers, priv, tempDir }) => {
    const carolPush = await push(fixtureRepo('probe'), p.url, p.appName('carol'), callers.carol.name, callers.carol.token!);
    expect(carolPush.code).not.toBe(0);
    const bobPush = await push(fixtureRepo('probe', (dir) => appendFileSync(join(dir, 'allgo.yaml'), 'private: true\n')), p.url, priv.app, callers.bob.name, callers.bob.token!);
    expect(bobPush.code).not.toBe(0);
    const fetchAs = async (c: Caller) => {
      const url = new URL(`${p.url}/git/${priv.app}.git`);
      url.username = c.name;
      url.password = c.token!;
      return (await runAsync('git', ['clone', '--quiet', url.toString(), join(tempDir('allgo-clone-'), 'r')])).code;
    };
    expect(await fetchAs(callers.bob)).not.toBe(0);
    expect(await fetchAs(callers.carol)).not.toBe(0);
    expect(await fetchAs(callers.alice)).toBe(0);
    // Still alice's, at her version.
    expect(await (await p.api(`/api/v1/apps/${priv.app}`, { token: callers.alice.token })).json()).toMatchObject({ owner: callers.alice.name, latest_version: '1.0' });
  });
});
