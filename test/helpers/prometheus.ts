// Debian's Prometheus, for the metrics tests: on a free loopback port, with its own temp config
// and storage, scraping one target every second with a bearer token, and the alert rules loaded.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { freePort } from '../../common/net.js';

export interface Prometheus {
  url: string;
  /** An instant PromQL query through the HTTP API: its vector's samples. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: number }[]>;
  /** GET /api/v1/<path>'s data. */
  api<T>(path: string): Promise<T>;
  close(): Promise<void>;
}

export async function startPrometheus(opts: { target: string; token: string; ruleFiles?: string[] }): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'allgo-prometheus-'));
  const target = new URL(opts.target);
  writeFileSync(join(dir, 'token'), opts.token);
  // JSON is YAML: no quoting to get wrong.
  writeFileSync(
    join(dir, 'prometheus.yml'),
    JSON.stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: opts.ruleFiles ?? [],
      scrape_configs: [{ job_name: 'allgo', metrics_path: '/metrics', scheme: target.protocol.slice(0, -1), authorization: { type: 'Bearer', credentials_file: join(dir, 'token') }, static_configs: [{ targets: [target.host] }] }],
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const child: ChildProcess = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (c) => (log = (log + c).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await vi.waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}): ${log}`);
      const res = await fetch(`${url}/-/ready`);
      if (!res.ok) throw new Error(`prometheus not ready: ${res.status}`);
    }, { timeout: 30_000, interval: 200 });
  } catch (err) {
    await close();
    throw err;
  }
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}/api/v1/${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error}`);
    return body.data;
  };
  return {
    url,
    api,
    async query(promql) {
      const data = await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(`query?query=${encodeURIComponent(promql)}`);
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    close,
  };
}
