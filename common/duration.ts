const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "20m" → 1_200_000. The schemas only let well-formed durations through. */
export function parseDuration(text: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) throw new Error(`bad duration "${text}": use a number and a unit, e.g. 30s, 20m, 1h, 1d`);
  return Math.round(Number(m[1]) * UNITS[m[2]]);
}

/** 1_200_000 → "20m": the shortest exact form when there is one (else seconds to a tenth), for messages. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms >= UNITS[unit] && ms % UNITS[unit] === 0) return `${ms / UNITS[unit]}${unit}`;
  }
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)}s` : `${ms}ms`;
}
