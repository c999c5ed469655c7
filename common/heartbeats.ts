// Runner heartbeats live in Redis, one hash field per runner process, so the server lists the
// fleet and a runner taking over a job can tell whether the host that ran it is still alive,
// even while the server itself is down.
import type { Redis } from 'ioredis';
import type { Heartbeat } from '../schemas/index.js';

/** Heartbeats missed before a runner is taken for lost. */
const MISSED_BEATS = 3;
/** A runner silent this long is dropped from the listing. */
const FORGET_MS = 24 * 3600 * 1000;

const key = (prefix: string): string => `${prefix}:runners`;

export async function writeHeartbeat(redis: Redis, prefix: string, beat: Heartbeat): Promise<void> {
  await redis.hset(key(prefix), beat.id, JSON.stringify(beat));
}

/** Said when a runner stops cleanly, so it is not mistaken for a lost host. */
export async function removeHeartbeat(redis: Redis, prefix: string, id: string): Promise<void> {
  await redis.hdel(key(prefix), id);
}

export interface SeenRunner extends Heartbeat {
  live: boolean;
}

/** Every runner heard from in the last day, with whether it is live at `now`. */
export async function readHeartbeats(redis: Redis, prefix: string, heartbeatMs: number, now = Date.now()): Promise<SeenRunner[]> {
  const all = await redis.hgetall(key(prefix));
  const out: SeenRunner[] = [];
  const stale: string[] = [];
  for (const [id, text] of Object.entries(all)) {
    let beat: Heartbeat;
    try {
      beat = JSON.parse(text) as Heartbeat;
    } catch {
      stale.push(id);
      continue;
    }
    const age = now - Date.parse(beat.seenAt);
    if (!(age < FORGET_MS)) stale.push(id);
    else out.push({ ...beat, live: age < heartbeatMs * MISSED_BEATS });
  }
  if (stale.length) await redis.hdel(key(prefix), ...stale).catch(() => undefined);
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/** Whether a runner with these labels serves a queue that asks for those. */
export const satisfies = (runnerLabels: readonly string[], queueLabels: readonly string[]): boolean => queueLabels.every((l) => runnerLabels.includes(l));
