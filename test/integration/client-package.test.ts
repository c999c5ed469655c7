// A user gets the `allgo` command with `npm install -g` of the client package, on a machine with
// no copy of the repository, and it works from any folder against a server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../schemas/index.js';
import { exec, removeTempDirs, tempDir, tempHome } from '../helpers/cli.js';
import { startPlatform, type Platform } from '../helpers/platform.js';

let p: Platform;
let bin: string;

beforeAll(async () => {
  const tarball = execFileSync(process.execPath, [join(packageRoot(), 'scripts', 'pack-client.mjs')], { encoding: 'utf8' }).trim();
  const prefix = tempDir('allgo-global-');
  // Its two dependencies come from npm's cache, filled by the project's own install.
  execFileSync('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { stdio: 'pipe', timeout: 170_000 });
  bin = join(prefix, 'bin', 'allgo');
  p = await startPlatform();
});
afterAll(async () => {
  await p?.close();
  removeTempDirs();
});

describe('the allgo-cli package, installed with npm install -g', () => {
  it('installs the client alone: no platform dependency to download or compile', () => {
    const installed = JSON.parse(readFileSync(join(bin, '..', '..', 'lib', 'node_modules', 'allgo-cli', 'package.json'), 'utf8'));
    expect(Object.keys(installed.dependencies).sort()).toEqual(['ajv', 'yaml']);
    expect(existsSync(join(bin, '..', '..', 'lib', 'node_modules', 'allgo-cli', 'node_modules', 'better-sqlite3'))).toBe(false);
  });

  it('runs from a folder outside the repository: help, init, and the API', async () => {
    const home = tempHome();
    const cwd = tempDir('allgo-elsewhere-');
    const help = await exec(bin, ['--help'], { home, cwd });
    expect(help.stdout).toContain('Using a server');
    const init = await exec(bin, ['init', '--yes', '--name', 'elsewhere', '--entrypoint', '/opt/elsewhere/run.sh'], { home, cwd });
    expect(init.code, init.stderr).toBe(0);
    expect(readFileSync(join(cwd, 'allgo.yaml'), 'utf8')).toContain('entrypoint: "/opt/elsewhere/run.sh"');
    const apps = await exec(bin, ['apps', '--url', p.url, '--token', p.adminToken], { home, cwd });
    expect(apps.code, apps.stderr).toBe(0);
  });

  it('says the platform is not in it when asked to run the platform', async () => {
    const r = await exec(bin, ['up'], { home: tempHome(), cwd: tempDir('allgo-elsewhere-') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('this allgo command is the client only');
  });
});
