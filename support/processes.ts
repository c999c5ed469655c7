// allgo roles as separate processes (the compiled CLI), so tests can kill them for real.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../schemas/index.js';
import { waitAtMost } from '../common/close.js';

export interface RoleProcess {
  child: ChildProcess;
  output(): string;
  waitFor(text: string, ms?: number): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `wrap`: a prefix the process runs under, e.g. a test host's nsenter (support/hosts.ts). */
export function spawnRole(role: 'up' | 'server' | 'builder' | 'runner', env: Record<string, string>, wrap: string[] = [], nodeArgs: string[] = []): RoleProcess {
  const argv = [...wrap, process.execPath, ...nodeArgs, join(packageRoot(), 'dist', 'cli', 'main.js'), role];
  const child = spawn(argv[0], argv.slice(1), {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
  });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  return {
    child,
    output: () => out,
    // Woken by the output itself, not by polling; the benchmarks call this outside vitest.
    waitFor(text, ms = 30_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (out.includes(text)) finish();
        };
        const closed = () => finish(new Error(`${role} exited (${child.exitCode ?? child.signalCode}) before "${text}":\n${out}`));
        const timer = setTimeout(() => finish(new Error(`${role} did not say "${text}" in ${ms} ms:\n${out}`)), ms);
        const finish = (err?: Error) => {
          clearTimeout(timer);
          child.stdout!.off('data', check);
          child.stderr!.off('data', check);
          child.off('close', closed);
          if (err) reject(err);
          else resolve();
        };
        child.stdout!.on('data', check);
        child.stderr!.on('data', check);
        child.once('close', closed);
        if (out.includes(text)) finish();
        else if (child.stdout!.readableEnded && child.stderr!.readableEnded) closed();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await waitAtMost(exited, 15_000);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Whether a process of this pid exists (a claim's or a leftover's owner). */
export function isAlive(pid: number): boolean {
  // 0 and negatives name process groups, never one process.
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
