// Bare repositories under <data dir>/repos/<app>.git, and the few git commands allgo runs on them.
// A repository is made only for a push that is accepted: a push that may create one is received
// into a staged repository (repos/.staging/), moved into place once it has a branch, and
// removed otherwise, so probing names leaves nothing on disk.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile, chmod, rename, rm, readdir, lstat } from 'node:fs/promises';
import { join } from 'node:path';

/** Git's object-directory variables for a push still in quarantine (visible to pre-receive only). */
export type GitEnv = Record<string, string>;

export const ZERO_SHA = /^0+$/;

export interface TreeEntry {
  mode: string;
  type: string;
  id: string;
  size: number;
}

/**
 * A git command failed; its message has git's own words.
 * @public for callers' instanceof, as other error classes
 */
export class GitError extends Error {
  override name = 'GitError';
}

export class Repos {
  constructor(
    readonly root: string,
    /** Absolute path of hook-relay.mjs. */
    private readonly relay: string,
    /** Largest pack one push may send (git's receive.maxInputSize). */
    readonly maxPushBytes: number,
  ) {}

  path(app: string): string {
    return join(this.root, `${app}.git`);
  }

  exists(app: string): boolean {
    return existsSync(join(this.path(app), 'HEAD'));
  }

  /** An app's repository, its hook and settings rewritten (they point at this node binary and config). */
  async open(app: string): Promise<string> {
    const dir = this.path(app);
    await this.configure(dir);
    return dir;
  }

  /** A new, empty repository for a push that may create its app's, outside the apps' namespace. */
  async stage(): Promise<string> {
    const dir = join(this.root, '.staging', `${randomUUID()}.git`);
    // Like every repository, readable by allgo alone (the data dir is 0700 too).
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    await mkdir(join(this.root, '.staging'), { recursive: true, mode: 0o700 });
    await run(['init', '--bare', '--quiet', '--initial-branch=main', dir]);
    await this.configure(dir);
    return dir;
  }

  /** Moves a staged repository that received a branch into place; removes it otherwise. */
  async settle(staged: string, app: string | null): Promise<boolean> {
    const keep = app !== null && !this.exists(app) && (await hasRefs(staged));
    if (keep) await rename(staged, this.path(app));
    else await rm(staged, { recursive: true, force: true });
    return keep;
  }

  /** Staged repositories a stopped server left mid-push: no push can still be using them. */
  async sweepStaged(): Promise<void> {
    await rm(join(this.root, '.staging'), { recursive: true, force: true });
  }

  /** An empty repository to advertise for a push to a repository that does not exist (yet). */
  async empty(): Promise<string> {
    const dir = join(this.root, '.empty.git');
    if (!existsSync(join(dir, 'HEAD'))) {
      await mkdir(this.root, { recursive: true, mode: 0o700 });
      await run(['init', '--bare', '--quiet', '--initial-branch=main', dir]).catch((err) => {
        if (!existsSync(join(dir, 'HEAD'))) throw err;
      });
    }
    return dir;
  }

  private async configure(dir: string): Promise<void> {
    await run(['-C', dir, 'config', 'receive.fsckObjects', 'true']);
    await run(['-C', dir, 'config', 'gc.auto', '0']);
    await run(['-C', dir, 'config', 'receive.maxInputSize', String(this.maxPushBytes)]);
    const hook = join(dir, 'hooks', 'pre-receive');
    await writeFile(hook, `#!/bin/sh\n# Written by allgo: asks the server whether to accept this push.\nexec '${process.execPath}' '${this.relay}' pre-receive\n`);
    await chmod(hook, 0o755);
  }

  /** What the commit holds at `path`: mode, type, id and size, without reading the object. */
  async entry(dir: string, commit: string, path: string, env: GitEnv = {}): Promise<TreeEntry | null> {
    let out: Buffer;
    try {
      out = await run(['-C', dir, 'ls-tree', '-l', '-z', commit, '--', path], env);
    } catch {
      return null;
    }
    const m = /^(\d+) (\w+) ([0-9a-f]+) +(-|\d+)\t/.exec(out.toString('utf8'));
    return m ? { mode: m[1], type: m[2], id: m[3], size: m[4] === '-' ? 0 : Number(m[4]) } : null;
  }

  /**
   * A regular file's bytes at a commit, read only when its size (from the object header) is
   * within `maxBytes`: a huge blob is never loaded to be refused. Null when absent or not a file.
   */
  async readFile(dir: string, commit: string, path: string, maxBytes: number, env: GitEnv = {}): Promise<{ data: Buffer } | { tooBig: number } | null> {
    const e = await this.entry(dir, commit, path, env);
    if (!e || e.type !== 'blob' || !REGULAR.has(e.mode)) return null;
    if (e.size > maxBytes) return { tooBig: e.size };
    return { data: await run(['-C', dir, 'cat-file', 'blob', e.id], env) };
  }

  /**
   * The commit's tree with `path` (at the root) replaced by `content`, written to the object
   * store (the quarantine, during a push): what a build is given, not the commit as pushed.
   */
  async treeWith(dir: string, commit: string, path: string, content: Buffer, env: GitEnv = {}): Promise<string> {
    const blob = (await run(['-C', dir, 'hash-object', '-w', '--stdin'], env, content)).toString().trim();
    const name = Buffer.from(path);
    const entries = splitNul(await run(['-C', dir, 'ls-tree', '-z', commit], env)).filter((e) => !e.subarray(e.indexOf(0x09) + 1).equals(name));
    entries.push(Buffer.concat([Buffer.from(`100644 blob ${blob}\t`), name]));
    const input = Buffer.concat(entries.flatMap((e) => [e, Buffer.from([0])]));
    return (await run(['-C', dir, 'mktree', '-z'], env, input)).toString().trim();
  }

  /** `git archive` of a tree or commit as a tar stream: the Docker build context. */
  archive(dir: string, treeish: string, env: GitEnv = {}): ChildProcessWithoutNullStreams {
    return spawn('git', ['-C', dir, 'archive', '--format=tar', treeish], { env: { ...process.env, ...env } });
  }

  /** Bytes under the repository's objects/, a push's quarantine included. */
  async size(dir: string): Promise<number> {
    return du(join(dir, 'objects'));
  }
}

/** Regular files (not symbolic links, submodules or trees). */
const REGULAR = new Set(['100644', '100755']);

async function hasRefs(dir: string): Promise<boolean> {
  return (await run(['-C', dir, 'for-each-ref', '--count=1'])).length > 0;
}

async function du(path: string): Promise<number> {
  const st = await lstat(path).catch(() => null);
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const name of await readdir(path)) total += await du(join(path, name));
  return total;
}

const splitNul = (b: Buffer): Buffer[] => {
  const parts: Buffer[] = [];
  for (let start = 0, i = b.indexOf(0); i >= 0; start = i + 1, i = b.indexOf(0, start)) parts.push(b.subarray(start, i));
  return parts;
};

function run(args: string[], env: GitEnv = {}, input?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { env: { ...process.env, ...env } });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(out)) : reject(new GitError(`git ${args.filter((a) => a !== '-C').join(' ')}: ${Buffer.concat(err).toString().trim()}`)),
    );
  });
}
