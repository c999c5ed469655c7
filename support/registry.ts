// A throwaway image registry for tests and benchmarks: Debian's docker-registry (Distribution
// 2.8, installed by `scripts/setup.sh --for-tests`) with its own config file and storage folder,
// on loopback by default (Docker trusts 127.0.0.0/8 over plain HTTP) or inside a test host's
// network namespace. Optionally with htpasswd users. A run killed before stop() leaves a folder
// that the next start sweeps: its registry is stopped when the process that made it is gone.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../common/net.js';
import { isAlive as alive } from './processes.js';

const ROOT = '/tmp/allgo-registries';
const BINARY = '/usr/bin/docker-registry';

export interface TestRegistry {
  /** host:port, as image names start: `${address}/allgo/app@sha256:…`. */
  address: string;
  /** Its storage folder. */
  dir: string;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Default: a free port on loopback. */
  port?: number;
  /** htpasswd users; without, the registry is open. */
  users?: { username: string; password: string }[];
  /** Command the registry runs under, e.g. ['nsenter', '--net=/run/netns/h1-a', '--']. */
  wrap?: string[];
}

export async function startRegistry(opts: RegistryOptions = {}): Promise<TestRegistry> {
  sweepStale();
  mkdirSync(ROOT, { recursive: true });
  const dir = mkdtempSync(join(ROOT, 'r-'));
  writeFileSync(join(dir, 'owner'), String(process.pid));
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? (await freePort());
  const address = `${host}:${port}`;
  const auth = opts.users?.length ? `auth:\n  htpasswd:\n    realm: allgo-test\n    path: ${join(dir, 'htpasswd')}\n` : '';
  if (opts.users?.length) writeFileSync(join(dir, 'htpasswd'), opts.users.map((u) => `${u.username}:${bcrypt(u.password)}\n`).join(''));
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: ${address}\n${auth}`,
  );
  const [cmd, ...args] = [...(opts.wrap ?? []), BINARY, 'serve', join(dir, 'config.yml')];
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr = (stderr + c).slice(-4000)));
  writeFileSync(join(dir, 'pid'), String(child.pid));
  const stop = async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUp(`http://${address}/v2/`, child, () => stderr);
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, dir, stop };
}

/** Ready once /v2/ answers (200 open, 401 with users). Bounded. */
async function waitUp(url: string, child: ChildProcess, stderr: () => string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${stderr()}`);
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) }).catch(() => null);
    if (res && (res.status === 200 || res.status === 401)) return;
    if (Date.now() > deadline) throw new Error(`docker-registry did not answer at ${url} in ${ms} ms: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
  }
}

/** bcrypt, the only hash Distribution's htpasswd accepts; cost 4 keeps each request fast. */
function bcrypt(password: string): string {
  const script = 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))';
  return execFileSync('/usr/bin/python3', ['-W', 'ignore', '-c', script, password], { encoding: 'utf8' }).trim();
}

/** Registries whose maker is gone: stop them and remove their folders. */
function sweepStale(): void {
  let names: string[];
  try {
    names = readdirSync(ROOT);
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(ROOT, name);
    const read = (f: string) => Number(readFileSync(join(dir, f), 'utf8').trim()) || 0;
    let owner = 0;
    try {
      owner = read('owner');
    } catch {
      // a folder being made right now has no owner file for a moment: leave it
      continue;
    }
    if (alive(owner)) continue;
    try {
      const pid = read('pid');
      if (pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
