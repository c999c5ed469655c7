// Issue 9, finding 1: bob pushed `FROM allgo/<alice's private app>:1.1` + `RUN cat` and his push
// printed alice's confidential file. Every way of naming her image is refused before a build,
// and no engine tag a build could resolve names it.
import { describe, expect, onTestFinished } from 'vitest';
import { execFileSync } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPlatform, uniqueName, appImageId, type Platform } from '../helpers/platform.js';
import { platformTest } from '../helpers/platform-test.js';
import { fixtureRepo, push } from '../helpers/git.js';

const SECRET = 'alice-confidential-3f9a1c';

interface Provider {
  name: string;
  token: string;
}

/** A provider by email domain (lab.example). */
const provider = async (p: Platform, base: string): Promise<Provider> => {
  const name = uniqueName(base);
  return { name, token: await p.addUser(name, { email: `${name}@lab.example` }) };
};

const test = platformTest({ configYaml: 'providers: {email_domains: [lab.example]}\n' }).extend<{ alice: Provider; bob: Provider; alicePriv: string; aliceImage: string }>({
  alice: [async ({ platform }, use) => use(await provider(platform, 'alice')), { scope: 'file' }],
  bob: [async ({ platform }, use) => use(await provider(platform, 'bob')), { scope: 'file' }],
  /** alice's private app, whose image holds SECRET. */
  alicePriv: [
    async ({ platform: p, alice }, use) => {
      const app = p.appName('alice-priv');
      const repo = fixtureRepo('probe', (dir) => {
        writeFileSync(join(dir, 'alice-secret.txt'), `${SECRET}\n`);
        appendFileSync(join(dir, 'Dockerfile'), 'COPY alice-secret.txt /opt/alice-secret.txt\n');
        writeFileSync(join(dir, 'allgo.yaml'), 'version: "1.1"\nentrypoint: /usr/local/bin/probe\nprivate: true\n');
      });
      const r = await push(repo, p.url, app, alice.name, alice.token);
      expect(r.output).toContain(`published ${app} 1.1`);
      await use(app);
    },
    { scope: 'file' },
  ],
  aliceImage: [async ({ alicePriv }, use) => use(appImageId(alicePriv, '1.1')), { scope: 'file' }],
});

/** bob's app: the probe fixture with these Dockerfile lines instead of its own. */
const bobRepo = (dockerfile: string) =>
  fixtureRepo('probe', (dir) => {
    writeFileSync(join(dir, 'Dockerfile'), dockerfile);
    writeFileSync(join(dir, 'allgo.yaml'), 'version: "1.0"\nentrypoint: /usr/local/bin/probe\n');
  });

function expectRefusedWithoutSecret(r: { code: number; output: string }, reason: RegExp | string): void {
  expect(r.code, r.output).not.toBe(0);
  expect(r.output).toMatch(reason);
  expect(r.output).not.toContain(SECRET);
  expect(r.output).not.toContain('Step 1/');
}

describe("a provider reading another's private image through the Dockerfile", () => {
  test('is refused for FROM allgo/<private app>:<version>, before anything is built', async ({ platform: p, bob, alicePriv }) => {
    const r = await push(bobRepo(`FROM allgo/${alicePriv}:1.1\nRUN cat /opt/alice-secret.txt\n`), p.url, p.appName('bob'), bob.name, bob.token);
    expectRefusedWithoutSecret(r, `no ready version "1.1" of an app "${alicePriv}" you may build on`);
    expect(r.output).toContain('allowed: debian:bookworm (builder.base_images)');
  });

  test('is refused by image id, full or short, and as a digest', async ({ platform: p, bob, aliceImage }) => {
    const hex = aliceImage.replace('sha256:', '');
    for (const ref of [aliceImage, hex, hex.slice(0, 12), `debian:bookworm@${aliceImage}`]) {
      const r = await push(bobRepo(`FROM ${ref}\nRUN cat /opt/alice-secret.txt\n`), p.url, p.appName('bob'), bob.name, bob.token);
      expectRefusedWithoutSecret(r, /only the images of public apps and of your own|full id/);
    }
  });

  test('is refused through COPY --from= and through an ARG default', async ({ platform: p, bob, alicePriv, aliceImage }) => {
    const copy = await push(bobRepo(`FROM debian:bookworm\nCOPY --from=allgo/${alicePriv}:1.1 /opt/alice-secret.txt /x\nRUN cat /x\n`), p.url, p.appName('bob'), bob.name, bob.token);
    expectRefusedWithoutSecret(copy, /Dockerfile:2 .* is refused/);
    const byId = await push(bobRepo(`FROM debian:bookworm\nCOPY --from=${aliceImage} /opt/alice-secret.txt /x\n`), p.url, p.appName('bob'), bob.name, bob.token);
    expectRefusedWithoutSecret(byId, 'only the images of public apps and of your own');
    const arg = await push(bobRepo(`ARG BASE=allgo/${alicePriv}:1.1\nFROM $BASE\nRUN cat /opt/alice-secret.txt\n`), p.url, p.appName('bob'), bob.name, bob.token);
    expectRefusedWithoutSecret(arg, /Dockerfile:2 .* you may build on/);
    const noDefault = await push(bobRepo('ARG BASE\nFROM ${BASE}\nRUN cat /opt/alice-secret.txt\n'), p.url, p.appName('bob'), bob.name, bob.token);
    expectRefusedWithoutSecret(noDefault, 'ARG BASE has no default');
  });

  test('finds no engine tag to name: allgo tags images only under its own namespace, which no push may name', async ({ platform: p, bob, alicePriv, aliceImage }) => {
    expect(() => execFileSync('docker', ['image', 'inspect', `allgo/${alicePriv}:1.1`], { stdio: 'ignore' })).toThrow();
    const tags = execFileSync('docker', ['image', 'inspect', '-f', '{{join .RepoTags " "}}', aliceImage], { encoding: 'utf8' }).trim().split(' ');
    expect(tags).toEqual([expect.stringMatching(new RegExp(`^allgo-[0-9a-f]{16}/${alicePriv}:1\\.1$`))]);
    const r = await push(bobRepo(`FROM ${tags[0]}\nRUN cat /opt/alice-secret.txt\n`), p.url, p.appName('bob'), bob.name, bob.token);
    expectRefusedWithoutSecret(r, `names starting with "allgo" are allgo's own`);
  });

  test('is refused from another installation sharing the engine', async ({ platform: p, alicePriv }) => {
    const other = await startPlatform();
    onTestFinished(() => other.close());
    const r = await push(bobRepo(`FROM allgo/${alicePriv}:1.1\nRUN cat /opt/alice-secret.txt\n`), other.url, p.appName('bob'), 'admin', other.adminToken);
    expectRefusedWithoutSecret(r, 'you may build on');
  });

  test("still lets the owner build on her own private image, and anyone on a public one", async ({ platform: p, alice, bob, alicePriv, aliceImage }) => {
    const hers = p.appName('alice-next');
    const r = await push(bobRepo(`FROM allgo/${alicePriv}:1.1\nRUN test -f /opt/alice-secret.txt\n`), p.url, hers, alice.name, alice.token);
    expect(r.output).toContain(`published ${hers} 1.0`);
    // The build was given the image by id, never by a name the engine resolves.
    expect(r.output).toContain(`FROM ${aliceImage}`);
    const shared = p.appName('shared');
    expect((await push(bobRepo('FROM debian:bookworm\nRUN echo shared > /opt/shared\n'), p.url, shared, alice.name, alice.token)).code).toBe(0);
    const mine = await push(bobRepo(`FROM allgo/${shared}:1.0\nRUN cat /opt/shared\n`), p.url, p.appName('bob'), bob.name, bob.token);
    expect(mine.output).toContain('published');
  });
});
