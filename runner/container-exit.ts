// Waiting for a job's container to end. docker-modem settles a call only on its answer's end:
// when the engine dies while it holds a `wait` open (its connection dropped after the answer's
// headers), the call never settles, and the job would stay `running` for good with its claim
// renewed. So the container's state is looked at too, every few seconds, and an engine that
// stays away ends the wait as well.
import type Docker from 'dockerode';
import { dockerMessage } from '../common/docker-progress.js';

const CHECK_MS = 2000;
/** Checks in a row that must see the container stopped: `wait` answers at once when it is healthy. */
const STOPPED_CHECKS = 2;
/** How long the engine may not answer before the job is taken as ended with it. */
const ENGINE_AWAY_MS = 60_000;

/** Null once the container has ended as `wait` reports it; else what went wrong with the engine. */
/** `stop`: the caller no longer needs the answer (the job was taken over): the checks end. */
export async function containerExit(container: Docker.Container, stop: AbortSignal, watch = { checkMs: CHECK_MS, awayMs: ENGINE_AWAY_MS }): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const waited = container.wait().then(
    () => null,
    (err: unknown) => dockerMessage(err),
  );
  const watched = new Promise<string>((resolve) => {
    stop.addEventListener('abort', () => resolve('no longer watched'), { once: true });
    let stopped = 0;
    let answeredAt = Date.now();
    const check = async () => {
      if (stop.aborted) return;
      const info = await container.inspect({ abortSignal: AbortSignal.timeout(watch.checkMs) }).catch((err: { statusCode?: number }) => (err.statusCode === 404 ? 'gone' : null));
      if (info === 'gone') return resolve('its container is gone');
      if (info) answeredAt = Date.now();
      if (info && !info.State.Running && info.State.Status !== 'created') stopped++;
      else stopped = 0;
      if (stopped >= STOPPED_CHECKS) return resolve('its answer to the wait for the container was cut off');
      if (Date.now() - answeredAt > watch.awayMs) return resolve(`the engine did not answer for ${Math.round(watch.awayMs / 1000)} s`);
      timer = setTimeout(() => void check(), watch.checkMs);
    };
    timer = setTimeout(() => void check(), watch.checkMs);
  });
  try {
    return await Promise.race([waited, watched]);
  } finally {
    clearTimeout(timer);
  }
}
