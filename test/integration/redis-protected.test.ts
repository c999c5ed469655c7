// The Redis every role shares can be protected: a password (redis://:pw@host) and TLS
// (rediss://), against a real redis-server started with requirepass and a TLS port. A role
// given a wrong password fails at start in one line that does not show the password.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { fixtureRepo, push } from '../helpers/git.js';
import { removeImages, uniqueName } from '../helpers/platform.js';
import { startFleet, type Fleet } from '../helpers/runner-hosts.js';
import { spawnRole, type RoleProcess } from '../../support/processes.js';
import { freePort } from '../../common/net.js';

const PASSWORD = `pw-${randomBytes(6).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'allgo-redis-protected-'));
const servers: ChildProcess[] = [];
const roles: RoleProcess[] = [];
const apps: string[] = [];

async function redisServer(args: string[], url: string, opts: { tls?: { ca: string } } = {}): Promise<void> {
  const child = spawn('redis-server', ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--requirepass', PASSWORD, ...args], { stdio: 'ignore' });
  servers.push(child);
  // vi.waitFor, not expect.poll: this runs in beforeAll, outside any test.
  await vi.waitFor(async () => {
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, ...(opts.tls ? { tls: { ca: opts.tls.ca } } : {}) });
    r.on('error', () => undefined);
    try {
      await r.connect();
      expect(await r.ping(), 'redis-server is up').toBe('PONG');
    } finally {
      r.disconnect();
    }
  }, { timeout: 10_000, interval: 100 });
}

afterAll(async () => {
  await Promise.all(roles.map((r) => r.stop('SIGKILL')));
  for (const s of servers) s.kill('SIGKILL');
  removeImages(apps);
  rmSync(dir, { recursive: true, force: true });
});

describe('Redis with a password (requirepass)', () => {
  let fleet: Fleet;
  let url: string;
  beforeAll(async () => {
    const port = await freePort();
    url = `redis://:${PASSWORD}@127.0.0.1:${port}`;
    await redisServer(['--port', String(port)], url);
    fleet = await startFleet('runner: {heartbeat: 1s}\n', { redisUrl: url });
  });
  afterAll(async () => fleet?.close());

  it('serves the server, the builder and a runner host that has the password', async () => {
    const app = uniqueName('probe');
    apps.push(app);
    expect((await push(fixtureRepo('probe'), fleet.url, app, 'admin', fleet.adminToken)).code).toBe(0);
    const host = await fleet.runner('protected');
    await host.process.waitFor('runner ready');
    const id = await fleet.submit(app, 'args over-a-protected-redis');
    expect(await fleet.done(id)).toMatchObject({ result: 'success' });
  });

  it('stops a runner with a wrong password at start, in one line that hides the password', async () => {
    const wrong = url.replace(PASSWORD, 'not-the-password');
    const own = mkdtempSync(join(dir, 'runner-'));
    const r = spawnRole('runner', { ALLGO_DATA_DIR: own, REDIS_URL: wrong, ALLGO_SERVER_URL: fleet.url, ALLGO_RUNNER_TOKEN: await fleet.runnerToken(uniqueName('wrongpw')) });
    roles.push(r);
    expect(await new Promise((resolve) => r.child.once('exit', resolve))).toBe(1);
    const lines = r.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/cannot use Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: WRONGPASS/);
    expect(r.output()).not.toContain('not-the-password');
  });
});

describe('Redis over TLS (rediss://)', () => {
  it('runs the whole platform, which trusts the CA given as NODE_EXTRA_CA_CERTS', async () => {
    const ca = join(dir, 'ca.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', ca, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const port = await freePort();
    const url = `rediss://:${PASSWORD}@127.0.0.1:${port}`;
    await redisServer(['--port', '0', '--tls-port', String(port), '--tls-cert-file', ca, '--tls-key-file', key, '--tls-ca-cert-file', ca, '--tls-auth-clients', 'no'], url, { tls: { ca: readFileSync(ca, 'utf8') } });

    // Without the CA, a role refuses the server's certificate, in one line.
    const untrusting = spawnRole('runner', { ALLGO_DATA_DIR: mkdtempSync(join(dir, 'runner-')), REDIS_URL: url, ALLGO_SERVER_URL: 'http://127.0.0.1:9', ALLGO_RUNNER_TOKEN: 'allgo_runner_x' });
    roles.push(untrusting);
    expect(await new Promise((resolve) => untrusting.child.once('exit', resolve))).toBe(1);
    expect(untrusting.output().trim().split('\n')).toEqual([expect.stringMatching(/cannot use Redis at rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+: .*(certificate|self.signed)/i)]);

    const dataDir = mkdtempSync(join(dir, 'up-'));
    writeFileSync(join(dataDir, 'config.yaml'), 'site: {enabled: false}\n');
    const httpPort = await freePort();
    const token = randomBytes(16).toString('hex');
    const up = spawnRole('up', { ALLGO_DATA_DIR: dataDir, PORT: String(httpPort), HOST: '127.0.0.1', REDIS_URL: url, NODE_EXTRA_CA_CERTS: ca, ALLGO_ADMIN_TOKEN: token, ALLGO_REDIS_PREFIX: `tls${randomBytes(3).toString('hex')}` });
    roles.push(up);
    await up.waitFor('listening on');
    const base = `http://127.0.0.1:${httpPort}`;
    const app = uniqueName('probe');
    apps.push(app);
    expect((await push(fixtureRepo('probe'), base, app, 'admin', token)).code).toBe(0);
    const f = new FormData();
    f.append('job[webapp_id]', app);
    f.append('job[param]', 'args over-tls');
    const { id } = (await (await fetch(`${base}/api/v1/jobs`, { method: 'POST', headers: { authorization: `Token token=${token}` }, body: f })).json()) as { id: number };
    let job: Record<string, unknown> = {};
    await expect.poll(async () => (job = (await (await fetch(`${base}/api/v1/jobs/${id}`, { headers: { authorization: `Token token=${token}` } })).json()) as Record<string, unknown>).status === 'done', { timeout: 60_000, message: 'not yet: job done over TLS' }).toBe(true);
    expect(job).toMatchObject({ result: 'success' });
  });
});
