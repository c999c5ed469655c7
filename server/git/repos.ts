// Bare repositories under <data dir>/repos/<app>.git, and the few git commands allgo runs on them.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';

/** Git's object-directory variables for a push still in quarantine (visible to pre-receive only). */
export type GitEnv = Record<string, string>;

export const ZERO_SHA = /^0+$/;

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

  /** A file's bytes at a commit, or null when it is not there. */
  async show(app: string, commit: string, file: string, env: GitEnv = {}): Promise<Buffer | null> {
    try {
      return await run(['-C', this.path(app), 'cat-file', 'blob', `${commit}:${file}`], env);
    } catch {
      return null;
    }
  }

  async hasFile(app: string, commit: string, file: string, env: GitEnv = {}): Promise<boolean> {
    try {
      const type = await run(['-C', this.path(app), 'cat-file', '-t', `${commit}:${file}`], env);
      return type.toString().trim() === 'blob';
    } catch {
      return false;
    }
  }

  async hasCommit(app: string, commit: string, env: GitEnv = {}): Promise<boolean> {
    try {
      await run(['-C', this.path(app), 'cat-file', '-e', `${commit}^{commit}`], env);
      return true;
    } catch {
      return false;
    }
  }

  /** `git archive` of a commit as a tar stream: the Docker build context. */
  archive(app: string, commit: string, env: GitEnv = {}): ChildProcessWithoutNullStreams {
    return spawn('git', ['-C', this.path(app), 'archive', '--format=tar', commit], { env: { ...process.env, ...env } });
  }
}

export function run(args: string[], env: GitEnv = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { env: { ...process.env, ...env } });
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
