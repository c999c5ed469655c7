// `test` for the files that run against a real platform, as vitest fixtures. The expensive
// ones are scoped per file: the platform starts for the first test that names it and closes
// after the file's last test (its data dir, images and job containers go with it); the probe
// app is pushed once per file. Each test gets its own temp folders, removed after it.
//
//   const test = platformTest({ configYaml: 'runner: {concurrency: 1}\n' });
//   test('runs a job', async ({ platform, probe }) => { ... });
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base } from 'vitest';
import { startPlatform, uniqueName, waitForSite, type Platform, type PlatformOptions } from './platform.js';

export interface PlatformTestOptions extends PlatformOptions {
  /** Edits test/fixtures/probe before the `probe` fixture pushes it. */
  probe?: (dir: string) => void;
}

export interface PlatformFixtures {
  platform: Platform;
  /** test/fixtures/probe pushed by the admin and ready; when the site is built, listed in it too. */
  probe: string;
  /** A plain user (no provider rights) and its token, made once per file. */
  user: { name: string; token: string };
  /** Makes a fresh temp folder; every one is removed after the test. */
  tempDir: (prefix?: string) => string;
}

const file = { scope: 'file' } as const;

export function platformTest(options: PlatformTestOptions = {}) {
  return base.extend<PlatformFixtures>({
    platform: [
      async ({}, use) => {
        const p = await startPlatform(options);
        await use(p);
        await p.close();
      },
      file,
    ],
    probe: [
      async ({ platform }, use) => {
        const app = await platform.pushProbe(options.probe);
        if (options.site) await waitForSite(platform, '/', (html) => html.includes(`/apps/${app}/`));
        await use(app);
      },
      file,
    ],
    user: [
      async ({ platform }, use) => {
        const name = uniqueName('user');
        await use({ name, token: await platform.addUser(name) });
      },
      file,
    ],
    tempDir: async ({}, use) => {
      const made: string[] = [];
      await use((prefix = 'allgo-test-') => {
        const dir = mkdtempSync(join(tmpdir(), prefix));
        made.push(dir);
        return dir;
      });
      for (const dir of made) rmSync(dir, { recursive: true, force: true });
    },
  });
}
