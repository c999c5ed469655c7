// GET /metrics, scraped by a real Prometheus (Debian's package) from a running allgo: the jobs a
// test ran are what PromQL counts, and the dashboard and alert rules in deploy/ name only
// metrics that allgo exposes.
import { describe, expect } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parse } from 'yaml';
import { waitForJob } from '../helpers/platform.js';
import { platformTest } from '../helpers/platform-test.js';
import { startPrometheus } from '../helpers/prometheus.js';

const TOKEN = randomBytes(24).toString('hex');
const test = platformTest({ env: { ALLGO_METRICS_TOKEN: TOKEN } });
const root = join(import.meta.dirname, '..', '..');
const ALERTS = join(root, 'deploy', 'prometheus', 'alerts.yml');
const DASHBOARD = join(root, 'deploy', 'grafana', 'allgo.json');

/** The metric names a PromQL expression reads (allgo's, and with a histogram's suffixes). */
const namesIn = (expr: string): string[] => [...expr.matchAll(/\ballgo_[a-z0-9_]+/g)].map((m) => m[0]);
const dashboardExprs = (): string[] => (JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { targets?: { expr: string }[] }[] }).panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
const alertExprs = (): { alert: string; expr: string }[] => (parse(readFileSync(ALERTS, 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap((g) => g.rules);

describe('GET /metrics', () => {
  test('answers only the metrics token, and is not in the API reference', async ({ platform: p, user }) => {
    const get = (authorization?: string) => fetch(`${p.url}/metrics`, { headers: authorization ? { authorization } : {} });
    for (const header of [undefined, `Bearer ${TOKEN.slice(1)}`, `Token token=${p.adminToken}`, `Bearer ${user.token}`]) {
      const res = await get(header);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: expect.stringContaining('metrics token'), code: 'unauthorized' });
    }
    const res = await get(`Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await res.text()).toContain('# TYPE allgo_jobs_total counter');
    const reference = (await (await fetch(`${p.url}/api/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(reference.paths)).not.toContain('/metrics');
  });

  test('Prometheus counts the jobs the test ran, and the dashboard and alert rules name what allgo exposes', async ({ platform: p, probe }) => {
    const successes = await Promise.all([1, 2, 3].map(() => p.submit(probe, 'exit 0')));
    const failures = await Promise.all([1].map(() => p.submit(probe, 'exit 3')));
    for (const id of [...successes, ...failures]) await waitForJob(p, id, p.adminToken);
    expect((await p.job(failures[0])).result).toBe('error');

    const prometheus = await startPrometheus({ target: p.url, token: TOKEN, ruleFiles: [ALERTS] });
    try {
      const value = async (promql: string) => (await prometheus.query(promql))[0]?.value ?? null;
      await expect.poll(() => value('sum(allgo_jobs_total{result="success"})'), { timeout: 30_000, interval: 500 }).toBe(successes.length);
      expect(await value('sum(allgo_jobs_total{result="error"})')).toBe(failures.length);
      expect(await value(`sum(allgo_jobs_total{app="${probe}"})`)).toBe(successes.length + failures.length);
      expect(await value('sum(allgo_job_running_seconds_count)')).toBe(successes.length + failures.length);
      expect(await value('sum(allgo_runner_slots)')).toBeGreaterThan(0);
      expect(await value('sum(allgo_git_pushes_total{outcome="accepted"})')).toBeGreaterThanOrEqual(1);
      expect(await value('sum(allgo_builds_total{result="ready"})')).toBeGreaterThanOrEqual(1);
      // Requests are timed by route: the API's (Fastify's onResponse) and git's, answered on the raw response.
      expect(await value('sum(allgo_http_request_duration_seconds_count{route="/api/v1/jobs/:id",method="GET",status="200"})')).toBeGreaterThanOrEqual(successes.length + failures.length);
      expect(await value('sum(allgo_http_request_duration_seconds_count{route="/git/:repo/git-receive-pack",status="200"})')).toBeGreaterThanOrEqual(1);
      expect(await value('up{job="allgo"}')).toBe(1);

      // Every name the dashboard and the rules read is one the platform exposes.
      const series = await prometheus.api<string[]>(`label/__name__/values?match[]=${encodeURIComponent('{job="allgo"}')}`);
      const named = [...dashboardExprs(), ...alertExprs().map((r) => r.expr)].flatMap(namesIn);
      expect(named.length).toBeGreaterThan(20);
      expect([...new Set(named)].filter((n) => !series.includes(n))).toEqual([]);
      // And Prometheus loaded every rule, and evaluates it without error.
      await expect
        .poll(async () => (await prometheus.api<{ groups: { rules: { name: string; health: string }[] }[] }>('rules')).groups.flatMap((g) => g.rules).map((r) => `${r.name}:${r.health}`).sort(), { timeout: 30_000, interval: 500 })
        .toEqual(alertExprs().map((r) => `${r.alert}:ok`).sort());
    } finally {
      await prometheus.close();
    }
  });
});

describe('deploy/', () => {
  test('the alert rules pass promtool check rules, and cover a stuck queue, lost runners, failing builds and a full disk', async () => {
    const { stdout } = await promisify(execFile)('promtool', ['check', 'rules', ALERTS]);
    expect(stdout).toContain('SUCCESS');
    const names = alertExprs().map((r) => r.alert);
    expect(names).toEqual(expect.arrayContaining(['AllgoQueueStuck', 'AllgoRunnerHostGone', 'AllgoBuildFailuresRising', 'AllgoDiskNearlyFull']));
  });

  test('the Grafana dashboard is JSON whose every panel queries allgo metrics', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { title: string; panels: { type: string; targets?: { expr: string }[] }[] };
    expect(dashboard.title).toBe('allgo');
    for (const panel of dashboard.panels.filter((x) => x.type !== 'row')) expect(panel.targets!.flatMap((t) => namesIn(t.expr)).length).toBeGreaterThan(0);
  });
});
