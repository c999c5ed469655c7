// allgo roles as separate processes (the compiled CLI), so tests can kill them for real.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../schemas/index.js';

export interface RoleProcess {
  child: ChildProcess;
  output(): string;
  waitFor(text: string, ms?: number): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `wrap`: a prefix the process runs under, e.g. a test host's nsenter (support/hosts.ts). */
export function spawnRole(role: 'up' | 'server' | 'builder' | 'runner', env: Record<string, string>, wrap: string[] = []): RoleProcess {
  const argv = [...wrap, process.execPath, join(packageRoot(), 'dist', 'cli', 'main.js'), role];
  const child = spawn(argv[0], argv.slice(1), {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
  });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  return {
    child,
    output: () => out,
    async waitFor(text, ms = 30_000) {
      const deadline = Date.now() + ms;
      while (!out.includes(text)) {
        if (child.exitCode !== null) throw new Error(`${role} exited (${child.exitCode}) before "${text}":\n${out}`);
        if (Date.now() > deadline) throw new Error(`${role} did not say "${text}" in ${ms} ms:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
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
