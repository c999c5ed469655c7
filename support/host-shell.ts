// The shell of the test hosts (support/hosts.ts): their names and places, and bounded commands.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Namespaces, links and cgroups of fleet N are named agh<N>-…: nothing else is ever touched. */
export const PREFIX = 'agh';
/** Claims of fleet numbers (owner pid), on tmpfs like the namespaces, so a reboot clears both. */
export const CLAIMS = '/run/allgo-hosts';
/** Engines' data roots need a disk filesystem overlay2 works on. */
export const ROOT = '/var/tmp/allgo-hosts';
export const SUBNET_BASE = '10.213';

export interface Exec {
  code: number;
  stdout: string;
  stderr: string;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function run(cmd: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<Exec> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (err && code === 1 ? err.message : '') });
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

export async function must(cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

export const readNumber = (file: string): number => {
  try {
    return Number(readFileSync(file, 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
};
