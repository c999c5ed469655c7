// Whether this runner's Docker engine answers. A runner whose engine is away (stopped,
// restarting, its host's engine killed) must not take jobs only to fail each at once: it puts
// them back in line and waits for the engine.
import http from 'node:http';
import https from 'node:https';
import Docker from 'dockerode';

/** Thrown where a job could not start because the engine went away: the job goes back in line. */
export class EngineDownError extends Error {
  override name = 'EngineDownError';
}

// A stopping dockerd closes its listener first and goes on answering on the connections it has
// for seconds, while it stops its containers: a ping over a kept-alive connection (Node's
// default agent keeps them) says "here" of an engine on its way out. Pings go on a new one.
const probes = new WeakMap<Docker, Docker>();
function probeOf(docker: Docker): Docker {
  let probe = probes.get(docker);
  if (probe) return probe;
  const m = docker.modem as Docker.DockerOptions & { agent?: unknown };
  // Over ssh, each call is its own ssh channel already.
  if (m.protocol === 'ssh') return docker;
  const agent = m.protocol === 'https' ? new https.Agent({ keepAlive: false }) : new http.Agent({ keepAlive: false });
  const { socketPath, host, port, protocol, ca, cert, key, headers } = m;
  probe = new Docker({ socketPath, host, port, protocol, ca, cert, key, headers, agent } as Docker.DockerOptions);
  probes.set(docker, probe);
  return probe;
}

/** One ping on a new connection, bounded: a hung engine counts as away. */
export async function engineAnswers(docker: Docker, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      probeOf(docker).ping().then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Throws EngineDownError ("the Docker engine went away while <doing>: <why>") when the engine no
 * longer answers: what failed is then no fault of the job. Returns when it answers.
 */
export async function throwIfEngineAway(docker: Docker, doing: string, why: string): Promise<void> {
  if (!(await engineAnswers(docker))) throw new EngineDownError(`the Docker engine went away while ${doing}: ${why}`);
}

/** True once the engine stops answering within `ms`: a container killed by no one here was likely killed by its stopping engine. */
export async function engineGoesAway(docker: Docker, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!(await engineAnswers(docker))) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}
