// Finding and ending what runs in a test host: the processes in its network namespace, and
// those in its engine's cgroups (containers), even when the engine that made them is gone.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { run, sleep } from './host-shell.js';

const CGROUP_ROOT = '/sys/fs/cgroup';

/** The pids of every process in a namespace (`ip netns pids`). */
export async function pidsIn(netns: string): Promise<number[]> {
  const r = await run('ip', ['netns', 'pids', netns], { timeoutMs: 10_000 });
  return r.code === 0 ? r.stdout.split('\n').map(Number).filter((n) => n > 0) : [];
}

/** Processes in cgroups under /<netns>… in any controller: the engine's containers. */
export function cgroupDirs(prefix: string): string[] {
  const found: string[] = [];
  let controllers: string[] = [];
  try {
    controllers = readdirSync(CGROUP_ROOT);
  } catch {
    return found;
  }
  for (const c of controllers) {
    let entries: string[] = [];
    try {
      entries = readdirSync(join(CGROUP_ROOT, c));
    } catch {
      continue;
    }
    for (const e of entries) if (e === prefix || e.startsWith(`${prefix}-`)) found.push(join(CGROUP_ROOT, c, e));
  }
  return found;
}

export function cgroupTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: import('node:fs').Dirent[] = [];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) walk(join(d, e.name));
    out.push(d);
  };
  walk(dir);
  return out; // deepest first
}

export function cgroupPids(prefix: string): number[] {
  const pids = new Set<number>();
  for (const top of cgroupDirs(prefix)) {
    for (const d of cgroupTree(top)) {
      try {
        for (const p of readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n')) if (Number(p) > 0) pids.add(Number(p));
      } catch {
        // gone meanwhile
      }
    }
  }
  return [...pids];
}

export function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export async function killEverythingIn(netns: string, engineDir: string | null): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const left = [...(await pidsIn(netns)), ...cgroupPids(netns)];
    if (left.length === 0) break;
    killAll(left);
    await sleep(100);
  }
  if (engineDir) forgetEnginePids(engineDir);
}

/**
 * Removes a killed engine's pid files. Its containerd's matters most: orphaned by dockerd, a
 * killed containerd is left a zombie where PID 1 does not reap (as on this machine), so the
 * next dockerd finds its pid "alive", waits on its dead socket and fails with "timeout waiting
 * for containerd to start".
 */
export function forgetEnginePids(engineDir: string): void {
  rmSync(join(engineDir, 'docker.pid'), { force: true });
  rmSync(join(engineDir, 'exec', 'containerd', 'containerd.pid'), { force: true });
}
