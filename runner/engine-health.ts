// Whether this runner's Docker engine answers. A runner whose engine is away (stopped,
// restarting, its host's engine killed) must not take jobs only to fail each at once: it puts
// them back in line and waits for the engine.
import type Docker from 'dockerode';

/** Thrown where a job could not start because the engine went away: the job goes back in line. */
export class EngineDownError extends Error {
  override name = 'EngineDownError';
}

/** One ping, bounded: a hung engine counts as away. */
export async function engineAnswers(docker: Docker, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      docker.ping().then(() => true),
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
