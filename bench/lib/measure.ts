// What the benchmarks share to measure: percentiles, resident memory and CPU time from /proc,
// waiting for a quiet machine, and the one JSON line each benchmark prints last (run-all.ts
// reads it).
import { readFileSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';

/** Nearest-rank percentile of a list of numbers (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const round = (n: number, digits = 1): number => Number(n.toFixed(digits));

/** A process's resident memory in KB (VmRSS), or null when it is gone. */
export function rssKb(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Direct children of a process, with their command names. */
export function childProcesses(pid: number): { pid: number; comm: string }[] {
  const out: { pid: number; comm: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split at the last ')'.
      const close = stat.lastIndexOf(')');
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      if (ppid === pid) out.push({ pid: Number(entry), comm: stat.slice(stat.indexOf('(') + 1, close) });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** CPU time (user + system, in clock ticks of 10 ms) of one process; null when it is gone. */
export function cpuTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/** CPU time (user + system, in clock ticks) of a process and all its descendants. */
function treeCpuTicks(pid: number): number {
  const own = cpuTicks(pid);
  if (own === null) return 0;
  return childProcesses(pid).reduce((n, c) => n + treeCpuTicks(c.pid), own);
}

/** The share of one core a process used over `ms` (0.2: 20% of a core). */
export async function cpuShare(pid: number, ms: number): Promise<number> {
  const t0 = cpuTicks(pid) ?? 0;
  const started = performance.now();
  await sleep(ms);
  return ((cpuTicks(pid) ?? 0) - t0) / 100 / ((performance.now() - started) / 1000);
}

/** Machine-wide busy CPU ticks (all but idle and iowait), from /proc/stat. */
function machineBusyTicks(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return f.reduce((a, b) => a + b, 0) - f[3] - f[4];
}

/**
 * Waits (bounded) until the allgo process tree is idle (a catalog rebuild after a publish runs
 * for seconds) and the machine's other work is below `busyCores` cores, so that a measurement
 * does not pay for work left over from the previous one. Returns false if it never got quiet.
 */
export async function settle(pid: number | null, opts: { maxMs?: number; busyCores?: number } = {}): Promise<boolean> {
  const deadline = Date.now() + (opts.maxMs ?? 90_000);
  const busyCores = opts.busyCores ?? 0.3;
  let quiet = 0;
  while (Date.now() < deadline) {
    const tree0 = pid ? treeCpuTicks(pid) : 0;
    const busy0 = machineBusyTicks();
    await sleep(1000);
    const treeCores = pid ? (treeCpuTicks(pid) - tree0) / 100 : 0;
    const machineCores = (machineBusyTicks() - busy0) / 100;
    quiet = treeCores < 0.05 && machineCores < busyCores ? quiet + 1 : 0;
    if (quiet >= 2) return true;
  }
  return false;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Samples a value every `everyMs` until stopped; returns all samples. */
export function sampler<T>(everyMs: number, sample: () => T): { stop(): T[] } {
  const samples: T[] = [sample()];
  const timer = setInterval(() => samples.push(sample()), everyMs);
  return {
    stop() {
      clearInterval(timer);
      samples.push(sample());
      return samples;
    },
  };
}

export const load1 = (): number => round(loadavg()[0], 2);

/** Every benchmark ends by printing this line; run-all.ts takes the last JSON line of each. */
export function report(result: { bench: string } & Record<string, unknown>): void {
  console.log(JSON.stringify({ ...result, load1_at_end: load1() }));
}
