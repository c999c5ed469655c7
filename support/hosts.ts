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
//
// Here: the fleet and its hosts' networks. Beside it: host-engine.ts (each host's dockerd),
// host-processes.ts (what runs in a host, and ending it), host-teardown.ts (claims of fleet
// numbers, teardown, sweeping what killed runs left), host-shell.ts (names, bounded commands).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PREFIX, ROOT, SUBNET_BASE, must, run, type Exec } from './host-shell.js';
import { killEverythingIn } from './host-processes.js';
import { copyImage, killEngineOf, startDockerd } from './host-engine.js';
import { claimFleet, sweepStale, teardownFleet } from './host-teardown.js';

export interface HostSpec {
  /** 1 to 6 lowercase letters or digits: part of the namespace's name. */
  name: string;
  /** Start a Docker engine in it (default true). */
  docker?: boolean;
  /** Images to copy from the machine's engine (docker save | docker load), e.g. the base image. */
  images?: string[];
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
      await startDockerd({ name: spec.name, netns, fleetId: id, wrap, engineDir, socket });
    },
    async killEngine() {
      await killEngineOf(netns, engineDir);
    },
    async kill() {
      await killEverythingIn(netns, engineDir);
    },
  };
  return host;
}
