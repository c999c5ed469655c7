// The Docker engine of a test host (support/hosts.ts): started inside the host's network
// namespace, given images from the machine's engine, killed as a host's engine dies, and
// stopped at teardown.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive as alive } from './processes.js';
import { SUBNET_BASE, readNumber, run, sleep } from './host-shell.js';
import { cgroupPids, forgetEnginePids, killAll, pidsIn } from './host-processes.js';

const ENGINE_UP_MS = 60_000;
const ENGINE_STOP_MS = 20_000;

/** Starts a host's dockerd inside its namespace, with folders, names and cgroups of its own; ready once it answers. */
export async function startDockerd(o: { name: string; netns: string; fleetId: number; wrap: string[]; engineDir: string; socket: string }): Promise<void> {
  const { netns, engineDir, socket } = o;
  mkdirSync(engineDir, { recursive: true });
  // Its own daemon.json: the machine's /etc/docker/daemon.json is not this engine's.
  writeFileSync(join(engineDir, 'daemon.json'), '{}\n');
  const log = openSync(join(engineDir, 'dockerd.log'), 'a');
  const engine = spawn(
    o.wrap[0],
    [
      ...o.wrap.slice(1),
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
      `--insecure-registry=${SUBNET_BASE}.${o.fleetId}.0/24`,
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
      throw new Error(`the Docker engine of test host ${o.name} did not start${engine.exitCode !== null ? ` (exited ${engine.exitCode})` : ` in ${ENGINE_UP_MS} ms`}:\n${tail}`);
    }
    await sleep(250);
  }
}

/** docker save on the machine's engine, docker load on the host's, streamed. */
export async function copyImage(image: string, host: { name: string; dockerHost: string | null }): Promise<void> {
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

export async function killEngineOf(netns: string, engineDir: string): Promise<void> {
  const pid = readNumber(join(engineDir, 'docker.pid'));
  if (pid && alive(pid)) killAll([pid]);
  // containerd and its shims live in the namespace; the containers in their cgroups.
  for (let i = 0; i < 50; i++) {
    const left = [...(await pidsIn(netns)).filter((p) => isEngineProcess(p)), ...cgroupPids(netns)];
    if (left.length === 0 && !(pid && alive(pid))) break;
    killAll(left);
    await sleep(100);
  }
  forgetEnginePids(engineDir);
}

function isEngineProcess(pid: number): boolean {
  try {
    const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    return comm === 'dockerd' || comm.startsWith('containerd') || comm === 'docker-proxy' || comm === 'runc';
  } catch {
    return false;
  }
}

/** Lets each engine stop its containers, then ends whatever is left. Bounded. */
export async function stopEngines(fleetDir: string): Promise<void> {
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
