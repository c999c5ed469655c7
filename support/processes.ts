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

export function spawnRole(role: 'up' | 'server' | 'builder' | 'runner', env: Record<string, string>): RoleProcess {
  const child = spawn(process.execPath, [join(packageRoot(), 'dist', 'cli', 'main.js'), role], {
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
      await waitAtMost(exited, 15_000);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
