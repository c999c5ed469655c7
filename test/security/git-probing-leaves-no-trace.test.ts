// Issue 9, findings 8 (first half), 10 and 16, over the real git client:
// - a bare `GET info/refs?service=git-receive-pack` made an empty repository on disk;
// - that answer was 404 for another's private app but 200 or 403 for a free name, so private
//   names could be listed;
// - a push could create refs/heads/HEAD.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startPlatform, removeImages, uniqueName, type Platform } from '../helpers/platform.js';
import { fixtureRepo, push } from '../helpers/git.js';

let p: Platform;
const apps: string[] = [];
let privateApp: string;
let provider: { name: string; token: string };
let plain: { name: string; token: string };

const newApp = (base = 'app'): string => {
  const name = uniqueName(base);
  apps.push(name);
  return name;
};
/** Repositories on disk, staged ones included; the empty one advertised for new names aside. */
const onDisk = (): string[] => {
  const root = join(p.dataDir, 'repos');
  const staged = existsSync(join(root, '.staging')) ? readdirSync(join(root, '.staging')).map((n) => `.staging/${n}`) : [];
  return [...readdirSync(root).filter((n) => n !== '.empty.git' && n !== '.staging'), ...staged].sort();
};
const basic = (u: { name: string; token: string }) => `Basic ${Buffer.from(`${u.name}:${u.token}`).toString('base64')}`;
const refs = async (app: string, who: { name: string; token: string }, service = 'git-receive-pack') => {
  const res = await fetch(`${p.url}/git/${app}.git/info/refs?service=${service}`, { headers: { authorization: basic(who) } });
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()).toString('latin1') };
};

beforeAll(async () => {
  p = await startPlatform({ configYaml: 'providers: {email_domains: [lab.example]}\n' });
  const user = async (base: string, email: string) => {
    const name = uniqueName(base);
    return { name, token: await p.addUser(name, { email: `${name}@${email}` }) };
  };
  provider = await user('prov', 'lab.example');
  plain = await user('plain', 'elsewhere.example');
  privateApp = newApp('secret');
  const repo = fixtureRepo('probe', (dir) => appendFileSync(join(dir, 'allgo.yaml'), 'private: true\n'));
  expect((await push(repo, p.url, privateApp, 'admin', p.adminToken)).code).toBe(0);
});
afterAll(async () => {
  await p?.close();
  removeImages(apps);
});

describe('probing app names over git', () => {
  it('makes no repository for a bare info/refs, nor for a push that is refused', async () => {
    const before = onDisk();
    for (let i = 0; i < 5; i++) expect((await refs(uniqueName('probe'), provider)).status).toBe(200);
    const refused = await push(fixtureRepo('probe', (dir) => rmSync(join(dir, 'allgo.yaml'))), p.url, newApp(), provider.name, provider.token);
    expect(refused.code).not.toBe(0);
    expect(onDisk()).toEqual(before);
    // An accepted push does make one.
    const app = newApp();
    expect((await push(fixtureRepo('probe'), p.url, app, provider.name, provider.token)).code).toBe(0);
    expect(onDisk()).toEqual([...before, `${app}.git`].sort());
  });

  it("answers another's private app exactly as a name that does not exist", async () => {
    const free = uniqueName('secret');
    const same = (a: string, b: string) => [a, b.split(free).join(privateApp)];
    for (const who of [provider, plain]) {
      const hidden = await refs(privateApp, who);
      const missing = await refs(free, who);
      expect({ ...hidden, body: undefined }).toEqual({ ...missing, body: undefined });
      const [x, y] = same(hidden.body, missing.body);
      expect(x).toBe(y);
    }
    expect((await refs(privateApp, provider)).status).toBe(200);
    expect((await refs(privateApp, plain)).status).toBe(403);
    // Fetching is refused the same way for both too.
    expect((await refs(privateApp, provider, 'git-upload-pack')).status).toBe(404);
    // A push to it learns only that the name is taken, and leaves nothing in its repository.
    const r = await push(fixtureRepo('probe'), p.url, privateApp, provider.name, provider.token);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(`no app "${privateApp}" you can push to`);
    expect(r.output).not.toMatch(/belongs to|admin/);
  });

  it('refuses to create refs/heads/HEAD', async () => {
    const app = newApp();
    const repo = fixtureRepo('probe');
    expect((await push(repo, p.url, app, provider.name, provider.token)).code).toBe(0);
    const r = await push(repo, p.url, app, provider.name, provider.token, 'main:refs/heads/HEAD');
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('refusing refs/heads/HEAD');
  });
});
