// Shared by the soaks (test/soak/): a deterministic random source, and the wait for every
// job's final state.
import { vi } from 'vitest';

/** A small deterministic generator, so a failing run can be replayed with its seed. */
export function seeded(start: number): () => number {
  let seed = start;
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
}

/**
 * Each job's last known state, once all are `done` or after `ms` (then the caller's report
 * names the stuck ones). `read` may fail while the server restarts.
 */
export async function finalStates(ids: Iterable<number>, read: (id: number) => Promise<Record<string, unknown>>, ms: number): Promise<Map<number, Record<string, unknown>>> {
  const all = [...ids];
  const final = new Map<number, Record<string, unknown>>();
  await vi
    .waitFor(
      async () => {
        for (const id of all) {
          if (final.get(id)?.status === 'done') continue;
          const job = await read(id).catch(() => null);
          if (job) final.set(id, job);
        }
        if (!all.every((id) => final.get(id)?.status === 'done')) throw new Error('jobs still unfinished');
      },
      { timeout: ms, interval: 250 },
    )
    .catch(() => undefined);
  return final;
}
