// Runs the compiled `allgo` CLI as a user would, in a temporary HOME so nothing reads or
// writes the real one. Asynchronous on purpose: the server under test runs in this process.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../schemas/index.js';
import { platformTest, type PlatformTestOptions } from './platform-test.js';

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

/** HOMEs for CLI runs in files that do not use cliTest's fixtures: `make` one, `removeAll` after. */
export function tempHomes(): { make(): string; removeAll(): void } {
  const made: string[] = [];
  return {
    make: () => made[made.push(mkdtempSync(join(tmpdir(), 'allgo-home-'))) - 1],
    removeAll: () => made.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })),
  };
}

export interface CliFixtures {
  /** A fresh HOME for this test's CLI runs, so nothing reads or writes the real one. */
  home: string;
  /** ALLGO_URL and ALLGO_TOKEN that sign the file's plain `user` in to its platform. */
  userEnv: { ALLGO_URL: string; ALLGO_TOKEN: string };
  /** Checked once per file, before its first test: the compiled CLI is up to date. */
  cliBuilt: void;
}

/** platformTest, for files that drive the compiled CLI. */
export function cliTest(options: PlatformTestOptions = {}) {
  return platformTest(options).extend<CliFixtures>({
    cliBuilt: [
      async ({}, use) => {
        assertCliBuilt();
        await use();
      },
      { scope: 'file', auto: true },
    ],
    home: async ({ tempDir }, use) => use(tempDir('allgo-home-')),
    userEnv: [async ({ platform, user }, use) => use({ ALLGO_URL: platform.url, ALLGO_TOKEN: user.token }), { scope: 'file' }],
  });
}

/** Fails early, and says what to do, when dist/ is older than the CLI or client sources. */
function assertCliBuilt(): void {
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
