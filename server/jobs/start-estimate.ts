// When a waiting job may start: its place in line, times the median of its queue's recent run
// times, shared over as many jobs as the queue runs at once. An estimate says what it rests
// on, and says so when the queue has too little history to tell.
import type { JobStartEstimate } from '../../schemas/index.js';

/** Fewer finished runs than this and the median means little. */
export const MIN_HISTORY = 5;

export function estimateStart(input: { queue: string; position: number; durations: readonly number[]; running: number; concurrency: number | null; now: number }): JobStartEstimate {
  const { queue, position, durations } = input;
  if (durations.length < MIN_HISTORY) {
    return { at: null, basis: `not enough history: ${durations.length} finished run${durations.length === 1 ? '' : 's'} in queue ${queue} (${MIN_HISTORY} needed)` };
  }
  const sorted = [...durations].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  // As many at once as the queue's cap allows, or as run now (at least one).
  const parallel = Math.max(1, input.concurrency ?? input.running);
  const waitS = (position / parallel) * median;
  return {
    at: new Date(input.now + waitS * 1000).toISOString(),
    basis: `position ${position} in queue ${queue}, ${parallel} running at once, median run ${round(median)} s over its last ${durations.length} runs`,
  };
}

const round = (s: number): string => (s < 10 ? s.toFixed(1) : String(Math.round(s)));
