// A session's container and its network: the job box (common/container-box.ts) on a Docker
// network of its own, `--internal` (no route to the internet), with inter-container traffic
// off and the host fenced off its bridge (host-fence.ts). Named and labelled after the
// installation and the session, so a restarted server finds them again.
import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import { boxOptions, type BoxLimits } from '../../common/container-box.js';
import { CONTAINER_LABELS } from '../../common/labels.js';
import { fenceBridge, unfenceBridge } from './host-fence.js';
import { dockerLogText } from '../../common/docker-log-text.js';

const SESSION_LABEL = 'allgo.session';
const SESSION_WORKDIR = '/work';

const sessionContainerName = (instance: string, id: string): string => `allgo-${instance}-session-${id}`;
const networkName = (instance: string, id: string): string => `allgo-${instance}-session-${id}`;
/** Linux caps interface names at 15 characters: "as" and the 12-character id fit. */
const bridgeName = (id: string): string => `as${id}`.slice(0, 15);

export interface SessionSpec {
  instance: string;
  id: string;
  image: string;
  argv: string[];
  port: number;
  basePath: string;
  /** A host folder mounted as the working folder, /work (the session's input files). */
  workdir?: string;
  box: Omit<BoxLimits, 'memoryMb' | 'cpus'> & { memoryMb: number; cpus?: number };
}

/** Creates the network (fenced) and starts the container; returns the address the proxy uses. */
export async function startSessionBox(docker: Docker, s: SessionSpec): Promise<string> {
  const labels = { [SESSION_LABEL]: s.id, [CONTAINER_LABELS.instance]: s.instance };
  const net = networkName(s.instance, s.id);
  await docker.createNetwork({
    Name: net,
    Driver: 'bridge',
    Internal: true,
    CheckDuplicate: true,
    Labels: labels,
    Options: { 'com.docker.network.bridge.name': bridgeName(s.id), 'com.docker.network.bridge.enable_icc': 'false' },
  });
  // Before the container exists: it never runs a moment unfenced.
  await fenceBridge(bridgeName(s.id));
  const box = boxOptions(s.box);
  const container = await docker.createContainer({
    name: sessionContainerName(s.instance, s.id),
    Image: s.image,
    Entrypoint: s.argv,
    Cmd: [],
    User: box.User,
    Env: ['HOME=/tmp', 'TMPDIR=/tmp', `PORT=${s.port}`, `ALLGO_BASE_PATH=${s.basePath}`, `ALLGO_SESSION_ID=${s.id}`],
    Labels: labels,
    Tty: false,
    ...(s.workdir ? { WorkingDir: SESSION_WORKDIR } : {}),
    HostConfig: { ...box.HostConfig, NetworkMode: net, ...(s.workdir ? { Binds: [`${s.workdir}:${SESSION_WORKDIR}`] } : {}) },
  });
  await container.start();
  const info = await container.inspect();
  const ip = info.NetworkSettings.Networks[net]?.IPAddress;
  if (!ip) throw new Error(`the session's container has no address on ${net}`);
  return `${ip}:${s.port}`;
}

/** The last lines of the container's log, for a session that failed. */
export async function sessionLogTail(docker: Docker, instance: string, id: string, lines = 50): Promise<string> {
  try {
    const buf = (await docker.getContainer(sessionContainerName(instance, id)).logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
    return dockerLogText(buf).slice(-8192);
  } catch {
    return '';
  }
}


/** Puts the session's host fence back if it went (a firewall reload while the server was down). */
export const refenceSession = (id: string): Promise<void> => fenceBridge(bridgeName(id));

/** True while the session's container runs. */
export async function sessionRunning(docker: Docker, instance: string, id: string): Promise<boolean> {
  const info = await docker.getContainer(sessionContainerName(instance, id)).inspect().catch(() => null);
  return !!info?.State.Running;
}

/** Removes the container, the fence and the network; each step whatever the others did. */
export async function removeSessionBox(docker: Docker, instance: string, id: string): Promise<void> {
  await docker.getContainer(sessionContainerName(instance, id)).remove({ force: true }).catch(() => undefined);
  await unfenceBridge(bridgeName(id));
  await docker.getNetwork(networkName(instance, id)).remove().catch(() => undefined);
}

/** Ids of the sessions this installation has containers or networks of on the engine. */
export async function sessionBoxesOnEngine(docker: Docker, instance: string): Promise<Set<string>> {
  const filters = { label: [SESSION_LABEL, `${CONTAINER_LABELS.instance}=${instance}`] };
  const [containers, networks] = await Promise.all([docker.listContainers({ all: true, filters }), docker.listNetworks({ filters })]);
  return new Set([...containers.map((c) => c.Labels[SESSION_LABEL]), ...networks.map((n) => n.Labels?.[SESSION_LABEL] ?? '')].filter(Boolean));
}

/** The container's log from its start, followed until it stops (or `signal`), as text chunks. */
export async function followSessionLog(docker: Docker, instance: string, id: string, onText: (text: string) => void, signal: AbortSignal): Promise<void> {
  const stream = (await docker.getContainer(sessionContainerName(instance, id)).logs({ follow: true, stdout: true, stderr: true })) as unknown as NodeJS.ReadableStream & { destroy(): void };
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      onText(chunk.toString('utf8'));
      done();
    },
  });
  docker.modem.demuxStream(stream, sink, sink);
  await new Promise<void>((resolve) => {
    const end = () => {
      stream.destroy();
      resolve();
    };
    stream.once('end', end);
    stream.once('close', end);
    stream.once('error', end);
    if (signal.aborted) end();
    signal.addEventListener('abort', end, { once: true });
  });
}
