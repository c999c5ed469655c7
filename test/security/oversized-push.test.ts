// Issue 9, findings 4 and 8 (second half): a 400 MB allgo.yaml (a 400 KB pack) was read whole
// into the server's memory before its size was checked, and a 200 MB branch push was stored.
// Blobs are now sized before they are read, every repository has git's receive.maxInputSize
// from limits.push_mb, and limits.repo_mb caps what an app's repository may grow to.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPlatform, removeImages, uniqueName, type Platform } from '../helpers/platform.js';
import { commitAll, fixtureRepo, git, push } from '../helpers/git.js';

let p: Platform;
const apps: string[] = [];
const MB = 1024 * 1024;

const newApp = (): string => {
  const name = uniqueName('big');
  apps.push(name);
  return name;
};

beforeAll(async () => {
  p = await startPlatform({ configYaml: 'limits: {push_mb: 4, repo_mb: 6}\n' });
});
afterAll(async () => {
  await p?.close();
  removeImages(apps);
});

/** Peak growth of this process's buffers (the server runs in it) while `run` runs. */
async function peakBufferGrowth(run: () => Promise<unknown>): Promise<number> {
  global.gc?.();
  const base = process.memoryUsage().arrayBuffers;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)), 5);
  try {
    await run();
  } finally {
    clearInterval(timer);
  }
  return peak - base;
}

describe('pushes too big to hold', () => {
  it('refuses a 100 MB allgo.yaml and a 100 MB README.md without reading them', async () => {
    for (const [file, reason] of [
      ['allgo.yaml', /allgo\.yaml: 104857600 bytes is over the 64 KiB limit/],
      ['README.md', /README\.md at [0-9a-f]{12} is 104857600 bytes, over the 64 KiB an app's description may be/],
    ] as const) {
      const repo = fixtureRepo('probe', (dir) => {
        if (file === 'README.md') writeFileSync(join(dir, 'allgo.yaml'), 'version: "1.0"\nentrypoint: /usr/local/bin/probe\n');
        writeFileSync(join(dir, file), Buffer.alloc(100 * MB, file === 'README.md' ? 'r' : '#'));
      });
      let output = '';
      const growth = await peakBufferGrowth(async () => {
        const r = await push(repo, p.url, newApp(), 'admin', p.adminToken);
        expect(r.code).not.toBe(0);
        output = r.output;
      });
      expect(output).toMatch(reason);
      expect(growth).toBeLessThan(50 * MB);
    }
  });

  it('refuses a pack over limits.push_mb, storing nothing, and sets it on every repository', async () => {
    const app = newApp();
    const repo = fixtureRepo('probe');
    expect((await push(repo, p.url, app, 'admin', p.adminToken)).code).toBe(0);
    expect(execFileSync('git', ['-C', join(p.dataDir, 'repos', `${app}.git`), 'config', 'receive.maxInputSize'], { encoding: 'utf8' }).trim()).toBe(String(4 * MB));
    git(repo, 'checkout', '-q', '-b', 'data');
    writeFileSync(join(repo, 'noise.bin'), randomBytes(5 * MB));
    commitAll(repo, 'five megabytes that do not compress');
    const r = await push(repo, p.url, app, 'admin', p.adminToken, 'data');
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('pack exceeds maximum allowed size');
    expect(execFileSync('git', ['-C', join(p.dataDir, 'repos', `${app}.git`), 'branch', '--list', 'data'], { encoding: 'utf8' })).toBe('');
  });

  it('refuses a push that would take a repository over limits.repo_mb, branch by branch', async () => {
    const app = newApp();
    const repo = fixtureRepo('probe');
    expect((await push(repo, p.url, app, 'admin', p.adminToken)).code).toBe(0);
    let refused = '';
    for (let i = 0; i < 3 && !refused; i++) {
      git(repo, 'checkout', '-q', '-b', `data-${i}`, 'main');
      writeFileSync(join(repo, 'noise.bin'), randomBytes(3 * MB));
      commitAll(repo, `three megabytes, ${i}`);
      const r = await push(repo, p.url, app, 'admin', p.adminToken, `data-${i}`);
      if (r.code !== 0) refused = r.output;
    }
    expect(refused).toMatch(new RegExp(`would make the repository of ${app} [0-9.]+ MB, over this server's limit of 6 MB \\(limits\\.repo_mb\\)`));
  });
});
