// Pushes with the real git client, the way a provider does (for tests and benchmarks).
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../schemas/index.js';

export interface PushResult {
  code: number;
  output: string;
  stdout?: string;
}

const GIT_ENV = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.org', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.org' };

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], { env: GIT_ENV, encoding: 'utf8' });
}

/** A git work tree holding a copy of examples/<name>, committed on main. */
export function exampleRepo(name: string, edit?: (dir: string) => void): string {
  return repoFrom(join(packageRoot(), 'examples', name), edit);
}

/** The same for test/fixtures/<name>. */
export function fixtureRepo(name: string, edit?: (dir: string) => void): string {
  return repoFrom(join(packageRoot(), 'test', 'fixtures', name), edit);
}

/** Work trees made so far, removed at exit or, earlier, by removeRepos(). */
const made: string[] = [];

/** Removes the work trees made so far. Tests call it after each file: vitest ends its workers without an exit event. */
export const removeRepos = (): void => made.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
process.once('exit', removeRepos);

function repoFrom(source: string, edit?: (dir: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'allgo-push-'));
  made.push(dir);
  cpSync(source, dir, { recursive: true });
  execFileSync('git', ['init', '-q', '-b', 'main', dir], { env: GIT_ENV });
  edit?.(dir);
  commitAll(dir, 'first version');
  return dir;
}

export function commitAll(dir: string, message: string): void {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '--allow-empty', '-m', message);
}

export function editFile(dir: string, file: string, change: (text: string) => string): void {
  const path = join(dir, file);
  writeFileSync(path, change(readFileSync(path, 'utf8')));
}

/** Asynchronous on purpose: the server under test runs in this same process. `options` are push options (`-o`). */
export function push(dir: string, baseUrl: string, app: string, user: string, token: string, ref = 'main', options: string[] = []): Promise<PushResult> {
  const url = new URL(`/git/${app}.git`, baseUrl);
  url.username = user;
  url.password = token;
  return runAsync('git', ['-C', dir, 'push', ...options.flatMap((o) => ['-o', o]), url.toString(), ref]);
}

/** Runs a command without blocking the event loop; output is stdout then stderr. */
export function runAsync(cmd: string, args: string[], timeoutMs = 300_000): Promise<PushResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: GIT_ENV, timeout: timeoutMs });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output: out + err, stdout: out } as PushResult));
  });
}
