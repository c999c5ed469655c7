// Bare repositories under <data dir>/repos/<app>.git, and the few git commands allgo runs on them.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile, chmod } from 'node:fs/promises';
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
  ) {}

  path(app: string): string {
    return join(this.root, `${app}.git`);
  }

  exists(app: string): boolean {
    return existsSync(join(this.path(app), 'HEAD'));
  }

  /** Creates the bare repository if needed and (re)writes its hook, which points at this node binary. */
  async ensure(app: string): Promise<string> {
    const dir = this.path(app);
    if (!this.exists(app)) {
      await mkdir(this.root, { recursive: true, mode: 0o700 });
      await run(['init', '--bare', '--quiet', '--initial-branch=main', dir]);
      await run(['-C', dir, 'config', 'receive.fsckObjects', 'true']);
      await run(['-C', dir, 'config', 'gc.auto', '0']);
    }
    const hook = join(dir, 'hooks', 'pre-receive');
    await writeFile(hook, `#!/bin/sh\n# Written by allgo: asks the server whether to accept this push.\nexec '${process.execPath}' '${this.relay}' pre-receive\n`);
    await chmod(hook, 0o755);
    return dir;
  }

  /** What the commit holds at `path`: mode, type, id and size, without reading the object. */
  async entry(app: string, commit: string, path: string, env: GitEnv = {}): Promise<TreeEntry | null> {
    let out: Buffer;
    try {
      out = await run(['-C', this.path(app), 'ls-tree', '-l', '-z', commit, '--', path], env);
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
  async readFile(app: string, commit: string, path: string, maxBytes: number, env: GitEnv = {}): Promise<{ data: Buffer } | { tooBig: number } | null> {
    const e = await this.entry(app, commit, path, env);
    if (!e || e.type !== 'blob' || !REGULAR.has(e.mode)) return null;
    if (e.size > maxBytes) return { tooBig: e.size };
    return { data: await run(['-C', this.path(app), 'cat-file', 'blob', e.id], env) };
  }

  /**
   * The commit's tree with `path` (at the root) replaced by `content`, written to the object
   * store (the quarantine, during a push): what a build is given, not the commit as pushed.
   */
  async treeWith(app: string, commit: string, path: string, content: Buffer, env: GitEnv = {}): Promise<string> {
    const dir = this.path(app);
    const blob = (await run(['-C', dir, 'hash-object', '-w', '--stdin'], env, content)).toString().trim();
    const name = Buffer.from(path);
    const entries = splitNul(await run(['-C', dir, 'ls-tree', '-z', commit], env)).filter((e) => !e.subarray(e.indexOf(0x09) + 1).equals(name));
    entries.push(Buffer.concat([Buffer.from(`100644 blob ${blob}\t`), name]));
    const input = Buffer.concat(entries.flatMap((e) => [e, Buffer.from([0])]));
    return (await run(['-C', dir, 'mktree', '-z'], env, input)).toString().trim();
  }

  async hasCommit(app: string, commit: string, env: GitEnv = {}): Promise<boolean> {
    try {
      await run(['-C', this.path(app), 'cat-file', '-e', `${commit}^{commit}`], env);
      return true;
    } catch {
      return false;
    }
  }

  /** `git archive` of a tree or commit as a tar stream: the Docker build context. */
  archive(app: string, treeish: string, env: GitEnv = {}): ChildProcessWithoutNullStreams {
    return spawn('git', ['-C', this.path(app), 'archive', '--format=tar', treeish], { env: { ...process.env, ...env } });
  }
}

/** Regular files (not symbolic links, submodules or trees). */
const REGULAR = new Set(['100644', '100755']);

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
