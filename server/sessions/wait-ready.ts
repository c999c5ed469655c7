// A session is ready once its port accepts a connection and, when the manifest names a
// health path, that path answers 2xx. It fails when its container stops first or the start
// timeout passes. Each probe is bounded, so a hanging app cannot hold the check.
import { connect } from 'node:net';
import { request } from 'node:http';

const PROBE_MS = 2000;
const PAUSE_MS = 200;

function portAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: PROBE_MS });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('timeout', () => done(false));
    s.once('error', () => done(false));
  });
}

function healthStatus(host: string, port: number, path: string): Promise<number | null> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, method: 'GET', timeout: PROBE_MS, headers: { 'user-agent': 'allgo-health' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? null);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(null));
    req.end();
  });
}

export type Readiness = { ready: true } | { ready: false; why: string };

export async function waitReady(address: string, health: string | null, timeoutMs: number, running: () => Promise<boolean>, signal: AbortSignal): Promise<Readiness> {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i);
  const port = Number(address.slice(i + 1));
  const deadline = Date.now() + timeoutMs;
  let last = `nothing answered on port ${port}`;
  while (Date.now() < deadline) {
    if (signal.aborted) return { ready: false, why: 'stopped while starting' };
    if (await portAnswers(host, port)) {
      if (!health) return { ready: true };
      const status = await healthStatus(host, port, health);
      if (status !== null && status >= 200 && status < 300) return { ready: true };
      last = `its health path ${health} answered ${status ?? 'nothing'}`;
    }
    if (!(await running())) return { ready: false, why: `its container stopped before it was ready (${last})` };
    await new Promise((r) => setTimeout(r, PAUSE_MS));
  }
  return { ready: false, why: `not ready after ${Math.round(timeoutMs / 1000)}s: ${last}` };
}
