// Hostile webapps get nothing beyond their own box: a session that tries to open the host's
// ports (on its bridge's gateway address or the host's other addresses: the API, Redis, any
// listener), another session or the internet is refused, while its own port answers. Then the
// fence is lifted for a moment to show that it, not chance, is what refuses the host.
import { cpSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, onTestFinished } from 'vitest';
import { packageRoot } from '../../schemas/index.js';
import { platformTest } from '../helpers/platform-test.js';
import { exampleRepo, editFile, push } from '../helpers/git.js';
import { sessionNetwork, startSession, stopAllSessions, waitSession } from '../helpers/sessions.js';
import type { Platform } from '../helpers/platform.js';

const test = platformTest({ configYaml: 'webapps: {per_user: 2, start_timeout: 30s, proxy_timeout: 3s, sweep: 200ms}\n' });

/** examples/viewer's image running test/fixtures/webapp-probe/probe.py instead; the app's name. */
async function pushProber(p: Platform): Promise<string> {
  const prober = p.appName('prober');
  const repo = exampleRepo('viewer', (dir) => {
    cpSync(join(packageRoot(), 'test', 'fixtures', 'webapp-probe', 'probe.py'), join(dir, 'probe.py'));
    editFile(dir, 'Dockerfile', (d) => `${d}COPY probe.py /usr/local/bin/probe\n`);
    editFile(dir, 'allgo.yaml', (y) => y.replace('entrypoint: /usr/local/bin/viewer', 'entrypoint: python3 /usr/local/bin/probe').replace('health: /healthz\n', ''));
  });
  expect((await push(repo, p.url, prober, 'admin', p.adminToken)).code).toBe(0);
  return prober;
}

describe('webapp isolation', () => {
  test('a session reaches neither the host, nor another session, nor the internet', async ({ platform: p, user }) => {
    onTestFinished(() => stopAllSessions(p, user.token));
    const prober = await pushProber(p);
    const viewer = p.appName('viewer');
    expect((await push(exampleRepo('viewer'), p.url, viewer, 'admin', p.adminToken)).code).toBe(0);

    const a = await startSession(p, prober, user.token);
    const b = await startSession(p, viewer, user.token);
    expect((await waitSession(p, prober, a.id, user.token)).state).toBe('ready');
    expect((await waitSession(p, viewer, b.id, user.token)).state).toBe('ready');
    const netA = sessionNetwork(a.id);
    const netB = sessionNetwork(b.id);

    // A listener on every host interface, as a careless host service would be.
    // The probe closes as soon as it connects, so a write to it may be reset: that is no failure.
    const listener: Server = createServer((s) => s.on('error', () => undefined).end('host secret\n'));
    await new Promise<void>((r) => listener.listen(0, '0.0.0.0', r));
    onTestFinished(() => void listener.close());
    const hostPort = (listener.address() as { port: number }).port;
    const apiPort = Number(new URL(p.url).port);
    const redisPort = Number(new URL(p.redisUrl).port || 6379);
    const hostAddresses = Object.values(networkInterfaces()).flat().filter((i) => i && i.family === 'IPv4' && !i.internal).map((i) => i!.address);

    const probe = async (host: string, port: number): Promise<string> => {
      const res = await fetch(`${a.url}probe?host=${host}&port=${port}`, { headers: { authorization: `Token ${user.token}` } });
      expect(res.status).toBe(200);
      return res.text();
    };

    // The probe works: its own port answers.
    expect(await probe(netA.containerIp, 8000)).toBe('open');
    // The host, on the bridge's gateway and on its other addresses: the listener, the API, Redis.
    for (const host of [netA.gateway, ...hostAddresses]) {
      for (const port of [hostPort, apiPort, redisPort]) expect(await probe(host, port), `${host}:${port}`).not.toBe('open');
    }
    // Another session, and the internet.
    expect(await probe(netB.containerIp, 8000)).not.toBe('open');
    expect(await probe('1.1.1.1', 80)).not.toBe('open');

    // Without the fence, the gateway would answer: the rule is what refuses it.
    const rule = ['INPUT', '-i', netA.bridge, '-m', 'conntrack', '--ctstate', 'NEW', '-j', 'DROP'];
    execFileSync('iptables', ['-w', '5', '-D', ...rule]);
    try {
      expect(await probe(netA.gateway, hostPort)).toBe('open');
    } finally {
      execFileSync('iptables', ['-w', '5', '-I', ...rule]);
    }
    expect(await probe(netA.gateway, hostPort)).not.toBe('open');
  });

  test('an app that answers very slowly holds only its own requests: the API answers meanwhile, and they end 504', async ({ platform: p, user }) => {
    onTestFinished(() => stopAllSessions(p, user.token));
    const prober = await pushProber(p);
    const s = await startSession(p, prober, user.token);
    expect((await waitSession(p, prober, s.id, user.token)).state).toBe('ready');
    const order: string[] = [];
    const slow = Array.from({ length: 20 }, async () => {
      const res = await fetch(`${s.url}slow`, { headers: { authorization: `Token ${user.token}` } });
      order.push(`slow ${res.status}`);
      return res;
    });
    // Each API call answers while all twenty slow requests are still waiting for the app.
    for (let i = 0; i < 5; i++) {
      const res = await p.api('/api/v1/sessions', { token: user.token });
      order.push(`api ${res.status}`);
    }
    const answers = await Promise.all(slow);
    expect(order.slice(0, 5)).toEqual(Array(5).fill('api 200'));
    for (const res of answers) {
      expect(res.status).toBe(504);
      expect(await res.json()).toMatchObject({ code: 'app_timeout' });
    }
  });
});
