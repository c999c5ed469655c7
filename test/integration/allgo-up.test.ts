// `allgo up` as `npm start` runs it: its own redis-server (append-only, loopback), a fresh
// data dir with an admin, the API and git on one port; `allgo user add` beside it.
import { describe, expect, onTestFinished } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../schemas/index.js';
import { freePort } from '../../common/net.js';
import { allgo, cliTest } from '../helpers/cli.js';

const cli = join(packageRoot(), 'dist', 'cli', 'main.js');

const test = cliTest();

describe('allgo up', () => {
  test('starts the whole platform with a supervised Redis, prints the admin token once, and stops cleanly', async ({ home, tempDir }) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'allgo-up-'));
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, ALLGO_DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' };
    delete env.REDIS_URL;
    delete env.ALLGO_ADMIN_TOKEN;
    const up = spawn(process.execPath, [cli, 'up'], { env });
    onTestFinished(async () => {
      if (up.exitCode === null && up.signalCode === null) {
        const exited = new Promise((r) => up.once('exit', r));
        up.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    });
    let out = '';
    up.stdout.on('data', (c) => (out += c));
    up.stderr.on('data', (c) => (out += c));
    await expect.poll(() => out, { timeout: 30_000, message: 'allgo up did not start listening' }).toContain('listening on');
    const token = /API token \(shown only this once\):\s+(\S+)/.exec(out)?.[1];
    expect(token).toBeTruthy();

    const health = await fetch(`http://127.0.0.1:${port}/api/v1/health`);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const me = await fetch(`http://127.0.0.1:${port}/api/v1/user`, { headers: { authorization: `Token token=${token}` } });
    expect(await me.json()).toMatchObject({ name: 'admin', admin: true });

    // The supervised Redis keeps its data under the data dir, append-only, on loopback.
    expect(readFileSync(join(dataDir, 'redis', 'url'), 'utf8')).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(existsSync(join(dataDir, 'redis', 'appendonlydir')) || existsSync(join(dataDir, 'redis', 'appendonly.aof'))).toBe(true);

    // `allgo user add` writes beside the running server, and the new token works at once.
    const added = await new Promise<{ code: number; out: string }>((resolve) => {
      const c = spawn(process.execPath, [cli, 'user', 'add', 'ada', '--email', 'ada@example.org', '--provider'], { env });
      let o = '';
      c.stdout.on('data', (d) => (o += d));
      c.stderr.on('data', (d) => (o += d));
      c.on('close', (code) => resolve({ code: code ?? -1, out: o }));
    });
    expect(added.code, added.out).toBe(0);
    const adaToken = added.out.trim();
    const ada = await fetch(`http://127.0.0.1:${port}/api/v1/user`, { headers: { authorization: `Token token=${adaToken}` } });
    expect(await ada.json()).toMatchObject({ name: 'ada', provider: true, admin: false });

    // Regression: elsewhere, without the server's data dir, it used to create ./data/allgo.db and
    // print a token the server then refused. It now refuses, naming where it looked...
    const elsewhere = tempDir('allgo-user-add-');
    const lost = await allgo(['user', 'add', 'eve', '--email', 'eve@example.org'], { home, cwd: elsewhere });
    expect(lost.code, lost.stderr).toBe(2);
    expect(lost.stderr).toContain(`no allgo store at ${join(elsewhere, 'data', 'allgo.db')}`);
    expect(existsSync(join(elsewhere, 'data'))).toBe(false);
    // ...or, given an admin's token, creates the user through the API.
    const viaApi = await allgo(['user', 'add', 'bob', '--email', 'bob@example.org', '--url', `http://127.0.0.1:${port}`, '--token', token!], { home: tempDir('allgo-home-'), cwd: elsewhere });
    expect(viaApi.code, viaApi.stderr).toBe(0);
    const bob = await fetch(`http://127.0.0.1:${port}/api/v1/user`, { headers: { authorization: `Token token=${viaApi.stdout.trim()}` } });
    expect(await bob.json()).toMatchObject({ name: 'bob', provider: false });

    const exited = new Promise<number | null>((r) => up.once('exit', (code) => r(code)));
    up.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
