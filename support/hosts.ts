// Test hosts on this one machine: each is a network namespace with an address of its own on a
// private bridge and, if asked, a Docker engine of its own, so allgo's roles run as they would
// on separate machines and talk only over the network.
//
//   root namespace ── veth agh<N> (10.213.N.1) ─┐
//                                                ├─ bridge br0, alone in namespace agh<N>-sw
//   namespace agh<N>-<host> ── eth0 (10.213.N.x) ┘
//
// The bridge sits in a namespace of its own, so the machine's firewall and its docker0 are never
// touched. Each engine runs INSIDE its host's namespace (nsenter --net, not `ip netns exec`,
// which remounts /sys and makes dockerd fail with "Devices cgroup isn't mounted"); a second
// dockerd in the root namespace would rewrite the machine's own networking. Each engine has its
// own data root, exec root, pid file, socket, containerd namespace and cgroup parent, so
// teardown can find and end everything it made, even what a killed run left behind.
import { spawn, execFile, execFileSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { linkSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, rmdirSync, writeFileSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive as alive } from './processes.js';

/** Namespaces, links and cgroups of fleet N are named agh<N>-…: nothing else is ever touched. */
const PREFIX = 'agh';
/** Claims of fleet numbers (owner pid), on tmpfs like the namespaces, so a reboot clears both. */
const CLAIMS = '/run/allgo-hosts';
/** Engines' data roots need a disk filesystem overlay2 works on. */
const ROOT = '/var/tmp/allgo-hosts';
const SUBNET_BASE = '10.213';
const MAX_FLEETS = 250;
const CGROUP_ROOT = '/sys/fs/cgroup';
const ENGINE_UP_MS = 60_000;
const ENGINE_STOP_MS = 20_000;

export interface HostSpec {
  /** 1 to 6 lowercase letters or digits: part of the namespace's name. */
  name: string;
  /** Start a Docker engine in it (default true). */
  docker?: boolean;
  /** Images to copy from the machine's engine (docker save | docker load), e.g. the base image. */
  images?: string[];
}

interface Exec {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestHost {
  name: string;
  /** The network namespace, under /run/netns. */
  netns: string;
  /** Its address on the fleet's network. */
  address: string;
  /** A folder of its own (its engine's folders are under docker/). */
  dir: string;
  /** unix:///…/docker.sock, when it has an engine. */
  dockerHost: string | null;
  /** Prefix that runs a command inside this host's network namespace. */
  wrap: string[];
  /** Starts a process inside the host (its stdio piped unless told otherwise). */
  spawn(cmd: string, args: string[], opts?: SpawnOptions): ChildProcess;
  /** Runs a command inside the host, bounded. */
  exec(cmd: string, args: string[], opts?: { timeoutMs?: number; input?: string }): Promise<Exec>;
  /** The docker CLI against this host's engine. */
  docker(args: string[], timeoutMs?: number): Promise<Exec>;
  /** SIGKILLs the engine, its containerd and every container: the host's Docker is gone. */
  killEngine(): Promise<void>;
  /** Starts the engine again (after killEngine). */
  startEngine(): Promise<void>;
  /** SIGKILLs everything running in the host (engine, containers, any process started in it). */
  kill(): Promise<void>;
}

export interface Fleet {
  /** N in 10.213.N.0/24 and in the names agh<N>-…. */
  id: number;
  /** The root namespace's address on the fleet network: where the test process is seen from. */
  gateway: string;
  hosts: Record<string, TestHost>;
  host(name: string): TestHost;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function run(cmd: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<Exec> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (err && code === 1 ? err.message : '') });
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

async function must(cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

const readNumber = (file: string): number => {
  try {
    return Number(readFileSync(file, 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
};

/** Builds a fleet of hosts. On any failure everything made so far is removed. */
export async function startFleet(specs: HostSpec[]): Promise<Fleet> {
  for (const s of specs) if (!/^[a-z0-9]{1,6}$/.test(s.name) || s.name === 'sw') throw new Error(`bad test host name "${s.name}" (1 to 6 of a-z0-9, not "sw")`);
  if (specs.length > 200) throw new Error('at most 200 hosts in a fleet');
  await sweepStale();
  const id = claimFleet();
  const fleetDir = join(ROOT, `fleet-${id}`);
  const sw = `${PREFIX}${id}-sw`;
  const gateway = `${SUBNET_BASE}.${id}.1`;
  const hosts: Record<string, TestHost> = {};
  try {
    mkdirSync(fleetDir, { recursive: true });
    await must('ip', ['netns', 'add', sw]);
    await must('ip', ['-n', sw, 'link', 'set', 'lo', 'up']);
    await must('ip', ['-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
    await must('ip', ['-n', sw, 'link', 'set', 'br0', 'up']);
    // The root namespace's leg, so the test process reaches the hosts (and they it).
    await must('ip', ['link', 'add', `${PREFIX}${id}`, 'type', 'veth', 'peer', 'name', 'root', 'netns', sw]);
    await must('ip', ['-n', sw, 'link', 'set', 'dev', 'root', 'master', 'br0', 'up']);
    await must('ip', ['addr', 'add', `${gateway}/24`, 'dev', `${PREFIX}${id}`]);
    await must('ip', ['link', 'set', `${PREFIX}${id}`, 'up']);
    for (const [i, spec] of specs.entries()) {
      hosts[spec.name] = await makeHost(id, fleetDir, spec, `${SUBNET_BASE}.${id}.${10 + i}`);
    }
    await Promise.all(specs.map(async (spec) => {
      const h = hosts[spec.name];
      if (spec.docker !== false) await h.startEngine();
      for (const image of spec.images ?? []) await copyImage(image, h);
    }));
  } catch (err) {
    await teardownFleet(id).catch(() => undefined);
    throw err;
  }
  let closed = false;
  return {
    id,
    gateway,
    hosts,
    host(name) {
      const h = hosts[name];
      if (!h) throw new Error(`no test host "${name}" in fleet ${id}`);
      return h;
    },
    async close() {
      if (closed) return;
      closed = true;
      await teardownFleet(id);
    },
  };
}

/**
 * The lowest fleet number no live process holds. Claimed by linking a file that already holds
 * our pid, so a sweep running meanwhile never sees an empty claim and takes it for stale.
 */
function claimFleet(): number {
  mkdirSync(CLAIMS, { recursive: true });
  const mine = join(CLAIMS, `.pid-${process.pid}`);
  writeFileSync(mine, String(process.pid));
  try {
    for (let n = 1; n <= MAX_FLEETS; n++) {
      try {
        linkSync(mine, join(CLAIMS, `fleet-${n}`));
        return n;
      } catch {
        // taken (stale claims were swept just before, so this one is live)
      }
    }
  } finally {
    rmSync(mine, { force: true });
  }
  throw new Error(`no free test fleet number (all ${MAX_FLEETS} claimed in ${CLAIMS})`);
}

async function makeHost(id: number, fleetDir: string, spec: HostSpec, address: string): Promise<TestHost> {
  const netns = `${PREFIX}${id}-${spec.name}`;
  const sw = `${PREFIX}${id}-sw`;
  const dir = join(fleetDir, spec.name);
  mkdirSync(dir, { recursive: true });
  await must('ip', ['netns', 'add', netns]);
  await must('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
  await must('ip', ['-n', sw, 'link', 'add', `h-${spec.name}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
  await must('ip', ['-n', sw, 'link', 'set', `h-${spec.name}`, 'master', 'br0', 'up']);
  await must('ip', ['-n', netns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
  await must('ip', ['-n', netns, 'link', 'set', 'eth0', 'up']);
  const wrap = ['nsenter', `--net=/run/netns/${netns}`, '--'];
  const engineDir = join(dir, 'docker');
  const socket = join(engineDir, 'docker.sock');
  const hasEngine = spec.docker !== false;
  let engine: ChildProcess | null = null;

  const host: TestHost = {
    name: spec.name,
    netns,
    address,
    dir,
    dockerHost: hasEngine ? `unix://${socket}` : null,
    wrap,
    spawn(cmd, args, opts = {}) {
      return spawn(wrap[0], [...wrap.slice(1), cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    },
    exec(cmd, args, opts) {
      return run(wrap[0], [...wrap.slice(1), cmd, ...args], opts);
    },
    docker(args, timeoutMs = 120_000) {
      if (!hasEngine) throw new Error(`test host ${spec.name} has no Docker engine`);
      return run('docker', ['-H', `unix://${socket}`, ...args], { timeoutMs });
    },
    async startEngine() {
      if (!hasEngine) throw new Error(`test host ${spec.name} has no Docker engine`);
      mkdirSync(engineDir, { recursive: true });
      // Its own daemon.json: the machine's /etc/docker/daemon.json is not this engine's.
      writeFileSync(join(engineDir, 'daemon.json'), '{}\n');
      const log = openSync(join(engineDir, 'dockerd.log'), 'a');
      engine = spawn(
        wrap[0],
        [
          ...wrap.slice(1),
          'dockerd',
          `--config-file=${join(engineDir, 'daemon.json')}`,
          `--data-root=${join(engineDir, 'data')}`,
          `--exec-root=${join(engineDir, 'exec')}`,
          `--pidfile=${join(engineDir, 'docker.pid')}`,
          `-H`,
          `unix://${socket}`,
          `--containerd-namespace=${netns}`,
          `--containerd-plugins-namespace=${netns}-plugins`,
          `--cgroup-parent=/${netns}`,
          // The fleet's registry speaks plain HTTP.
          `--insecure-registry=${SUBNET_BASE}.${id}.0/24`,
          '--log-level=warn',
        ],
        { stdio: ['ignore', log, log], detached: true },
      );
      closeSync(log);
      engine.unref();
      const deadline = Date.now() + ENGINE_UP_MS;
      for (;;) {
        const r = await run('docker', ['-H', `unix://${socket}`, 'version', '--format', '{{.Server.Version}}'], { timeoutMs: 5000 });
        if (r.code === 0) return;
        if (engine.exitCode !== null || Date.now() > deadline) {
          const tail = readFileSync(join(engineDir, 'dockerd.log'), 'utf8').split('\n').slice(-15).join('\n');
          throw new Error(`the Docker engine of test host ${spec.name} did not start${engine.exitCode !== null ? ` (exited ${engine.exitCode})` : ` in ${ENGINE_UP_MS} ms`}:\n${tail}`);
        }
        await sleep(250);
      }
    },
    async killEngine() {
      await killEngineOf(netns, engineDir);
      engine = null;
    },
    async kill() {
      await killEverythingIn(netns, engineDir);
      engine = null;
    },
  };
  return host;
}

/** docker save on the machine's engine, docker load on the host's, streamed. */
async function copyImage(image: string, host: TestHost): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const save = spawn('docker', ['save', image], { stdio: ['ignore', 'pipe', 'pipe'] });
    const load = spawn('docker', ['-H', host.dockerHost!, 'load', '-q'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    save.stderr!.on('data', (c) => (err += c));
    load.stderr!.on('data', (c) => (err += c));
    save.stdout!.pipe(load.stdin!);
    const timer = setTimeout(() => {
      save.kill('SIGKILL');
      load.kill('SIGKILL');
    }, 180_000);
    let pending = 2;
    let failed = false;
    const done = (code: number | null) => {
      if (code !== 0) failed = true;
      if (--pending > 0) return;
      clearTimeout(timer);
      if (failed) reject(new Error(`could not copy ${image} to test host ${host.name}: ${err.trim()}`));
      else resolve();
    };
    save.once('exit', done);
    load.once('exit', done);
  });
}

/** The pids of every process in a namespace (`ip netns pids`). */
async function pidsIn(netns: string): Promise<number[]> {
  const r = await run('ip', ['netns', 'pids', netns], { timeoutMs: 10_000 });
  return r.code === 0 ? r.stdout.split('\n').map(Number).filter((n) => n > 0) : [];
}

/** Processes in cgroups under /<netns>… in any controller: the engine's containers. */
function cgroupDirs(prefix: string): string[] {
  const found: string[] = [];
  let controllers: string[] = [];
  try {
    controllers = readdirSync(CGROUP_ROOT);
  } catch {
    return found;
  }
  for (const c of controllers) {
    let entries: string[] = [];
    try {
      entries = readdirSync(join(CGROUP_ROOT, c));
    } catch {
      continue;
    }
    for (const e of entries) if (e === prefix || e.startsWith(`${prefix}-`)) found.push(join(CGROUP_ROOT, c, e));
  }
  return found;
}

function cgroupTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: import('node:fs').Dirent[] = [];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) walk(join(d, e.name));
    out.push(d);
  };
  walk(dir);
  return out; // deepest first
}

function cgroupPids(prefix: string): number[] {
  const pids = new Set<number>();
  for (const top of cgroupDirs(prefix)) {
    for (const d of cgroupTree(top)) {
      try {
        for (const p of readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n')) if (Number(p) > 0) pids.add(Number(p));
      } catch {
        // gone meanwhile
      }
    }
  }
  return [...pids];
}

function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

async function killEngineOf(netns: string, engineDir: string): Promise<void> {
  const pid = readNumber(join(engineDir, 'docker.pid'));
  if (pid && alive(pid)) killAll([pid]);
  // containerd and its shims live in the namespace; the containers in their cgroups.
  for (let i = 0; i < 50; i++) {
    const left = [...(await pidsIn(netns)).filter((p) => isEngineProcess(p)), ...cgroupPids(netns)];
    if (left.length === 0 && !(pid && alive(pid))) break;
    killAll(left);
    await sleep(100);
  }
  rmSync(join(engineDir, 'docker.pid'), { force: true });
}

function isEngineProcess(pid: number): boolean {
  try {
    const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    return comm === 'dockerd' || comm.startsWith('containerd') || comm === 'docker-proxy' || comm === 'runc';
  } catch {
    return false;
  }
}

async function killEverythingIn(netns: string, engineDir: string | null): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const left = [...(await pidsIn(netns)), ...cgroupPids(netns)];
    if (left.length === 0) break;
    killAll(left);
    await sleep(100);
  }
  if (engineDir) rmSync(join(engineDir, 'docker.pid'), { force: true });
}

/** Lets each engine stop its containers, then ends whatever is left. Bounded. */
async function stopEngines(fleetDir: string): Promise<void> {
  let hostDirs: string[] = [];
  try {
    hostDirs = readdirSync(fleetDir).map((h) => join(fleetDir, h, 'docker', 'docker.pid'));
  } catch {
    return;
  }
  const pids = hostDirs.map(readNumber).filter((p) => p && alive(p) && readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'dockerd');
  for (const p of pids) process.kill(p, 'SIGTERM');
  const deadline = Date.now() + ENGINE_STOP_MS;
  while (pids.some(alive) && Date.now() < deadline) await sleep(200);
}

function unmountUnder(dir: string): void {
  let mounts: string[];
  try {
    mounts = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4])
      .filter((m) => m && (m === dir || m.startsWith(`${dir}/`)));
  } catch {
    return;
  }
  // Deepest first.
  for (const m of mounts.sort((a, b) => b.length - a.length)) {
    try {
      execFileSync('umount', ['-l', m.replace(/\\040/g, ' ')], { stdio: 'ignore', timeout: 10_000 });
    } catch {
      // already gone
    }
  }
}

async function netnsList(): Promise<string[]> {
  const r = await run('ip', ['netns', 'list'], { timeoutMs: 10_000 });
  return r.stdout.split('\n').map((l) => l.split(' ')[0]).filter(Boolean);
}

/** Removes everything of fleet N: processes, cgroups, mounts, folders, namespaces, links, claim. */
async function teardownFleet(id: number): Promise<void> {
  const fleetDir = join(ROOT, `fleet-${id}`);
  const mine = (await netnsList()).filter((n) => n.startsWith(`${PREFIX}${id}-`));
  await stopEngines(fleetDir);
  for (const ns of mine) await killEverythingIn(ns, null);
  killAll(cgroupPids(`${PREFIX}${id}`));
  await sleep(100);
  for (const top of cgroupDirs(`${PREFIX}${id}`)) {
    for (const d of cgroupTree(top)) {
      for (let i = 0; i < 20; i++) {
        try {
          rmdirSync(d);
          break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') break;
          killAll(cgroupPids(`${PREFIX}${id}`));
          await sleep(100);
        }
      }
    }
  }
  unmountUnder(fleetDir);
  rmSync(fleetDir, { recursive: true, force: true });
  for (const ns of mine) await run('ip', ['netns', 'delete', ns], { timeoutMs: 10_000 });
  await run('ip', ['link', 'delete', `${PREFIX}${id}`], { timeoutMs: 10_000 });
  rmSync(join(CLAIMS, `fleet-${id}`), { force: true });
}

/**
 * Fleets whose owner is gone (a killed test run): their leftovers are removed. So are
 * namespaces and folders with our prefix and no claim at all (a run killed while claiming).
 */
async function sweepStale(): Promise<void> {
  const claimed = new Set<number>();
  try {
    for (const f of readdirSync(CLAIMS)) {
      const n = Number(f.replace(/^fleet-/, ''));
      if (!n) continue;
      if (alive(readNumber(join(CLAIMS, f)))) claimed.add(n);
    }
  } catch {
    // no claims yet
  }
  const stale = new Set<number>();
  const re = new RegExp(`^${PREFIX}(\\d+)-`);
  for (const ns of await netnsList()) {
    const m = re.exec(ns);
    if (m && !claimed.has(Number(m[1]))) stale.add(Number(m[1]));
  }
  try {
    for (const f of readdirSync(ROOT)) {
      const n = Number(f.replace(/^fleet-/, ''));
      if (n && !claimed.has(n)) stale.add(n);
    }
  } catch {
    // no fleets yet
  }
  try {
    for (const f of readdirSync(CLAIMS)) {
      const n = Number(f.replace(/^fleet-/, ''));
      if (n && !claimed.has(n)) stale.add(n);
      // a pid file of a run killed while claiming
      if (f.startsWith('.pid-') && !alive(Number(f.slice(5)))) rmSync(join(CLAIMS, f), { force: true });
    }
  } catch {
    // no claims yet
  }
  for (const n of stale) await teardownFleet(n);
}
