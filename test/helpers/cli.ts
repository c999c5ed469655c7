// Runs the compiled `allgo` CLI as a user would, in a temporary HOME so nothing reads or
// writes the real one. Asynchronous on purpose: the server under test runs in this process.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../schemas/index.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  home: string;
  cwd?: string;
  env?: Record<string, string>;
  /** Written to stdin, which is then closed. */
  input?: string;
  timeoutMs?: number;
}

const MAIN = join(packageRoot(), 'dist', 'cli', 'main.js');

/** Folders made by this test file, for removeTempDirs. */
const made: string[] = [];

/** A fresh temporary folder; removeTempDirs() in afterAll removes it. */
export function tempDir(prefix = 'allgo-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every folder tempDir and tempHome made. (Vitest ends its workers without an 'exit' event.) */
export function removeTempDirs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A fresh HOME for one test's CLI runs. */
export const tempHome = (): string => tempDir('allgo-home-');

/** `allgo ARGS…` with only PATH, HOME and `env` in its environment. */
export function allgo(args: string[], opts: RunOptions): Promise<CliResult> {
  return exec(process.execPath, [MAIN, ...args], opts);
}

/** Any command in the same clean environment (git, for pushes that must use allgo's helper). */
export function exec(cmd: string, args: string[], opts: RunOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? opts.home,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: opts.home, GIT_TERMINAL_PROMPT: '0', ...opts.env },
      timeout: opts.timeoutMs ?? 180_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** Fails early, and says what to do, when dist/ is older than the CLI or client sources. */
export function assertCliBuilt(): void {
  const built = statMtime(MAIN);
  const newer = ['cli', 'client'].flatMap((d) => sources(join(packageRoot(), d))).filter((f) => statMtime(f) > built);
  if (built === 0 || newer.length > 0) {
    throw new Error(`the compiled CLI is missing or older than ${newer[0] ?? 'its sources'}: build first with "npx tsc -p tsconfig.json" (npm test does it)`);
  }
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

function statMtime(f: string): number {
  try {
    return statSync(f).mtimeMs;
  } catch {
    return 0;
  }
}
