// A user gets the `allgo` command with `npm install -g` of the client package, on a machine with
// no copy of the repository, and it works from any folder against a server.
import { describe, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../schemas/index.js';
import { exec } from '../helpers/cli.js';
import { platformTest } from '../helpers/platform-test.js';

const test = platformTest().extend<{ bin: string }>({
  /** The `allgo` of the packed client, installed globally into a prefix of its own. */
  bin: [
    async ({}, use) => {
      const tarball = execFileSync(process.execPath, [join(packageRoot(), 'scripts', 'pack-client.mjs')], { encoding: 'utf8' }).trim();
      const prefix = mkdtempSync(join(tmpdir(), 'allgo-global-'));
      try {
        // Its two dependencies come from npm's cache, filled by the project's own install.
        execFileSync('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { stdio: 'pipe', timeout: 170_000 });
        await use(join(prefix, 'bin', 'allgo'));
      } finally {
        rmSync(prefix, { recursive: true, force: true });
      }
    },
    { scope: 'file' },
  ],
});

describe('the allgo-cli package, installed with npm install -g', () => {
  test('installs the client alone: no platform dependency to download or compile', ({ bin }) => {
    const installed = JSON.parse(readFileSync(join(bin, '..', '..', 'lib', 'node_modules', 'allgo-cli', 'package.json'), 'utf8'));
    expect(Object.keys(installed.dependencies).sort()).toEqual(['ajv', 'yaml']);
    expect(existsSync(join(bin, '..', '..', 'lib', 'node_modules', 'allgo-cli', 'node_modules', 'better-sqlite3'))).toBe(false);
  });

  test('runs from a folder outside the repository: help, init, and the API', async ({ platform: p, bin, tempDir }) => {
    const home = tempDir('allgo-home-');
    const cwd = tempDir('allgo-elsewhere-');
    const help = await exec(bin, ['--help'], { home, cwd });
    expect(help.stdout).toContain('Using a server');
    const init = await exec(bin, ['init', '--yes', '--name', 'elsewhere', '--entrypoint', '/opt/elsewhere/run.sh'], { home, cwd });
    expect(init.code, init.stderr).toBe(0);
    expect(readFileSync(join(cwd, 'allgo.yaml'), 'utf8')).toContain('entrypoint: "/opt/elsewhere/run.sh"');
    const apps = await exec(bin, ['apps', '--url', p.url, '--token', p.adminToken], { home, cwd });
    expect(apps.code, apps.stderr).toBe(0);
  });

  test('says the platform is not in it when asked to run the platform', async ({ bin, tempDir }) => {
    const r = await exec(bin, ['up'], { home: tempDir('allgo-home-'), cwd: tempDir('allgo-elsewhere-') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('this allgo command is the client only');
  });
});
