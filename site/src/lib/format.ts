// Formatting shared by the build and the browser: dates, sizes, durations.

/** "2025-03-04 14:05 UTC": the same text at build time and in every browser. */
export function formatDate(iso: string | null | undefined): string {
  return utc(iso, 16);
}

function utc(iso: string | null | undefined, chars: number): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, chars).replace('T', ' ')} UTC`;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = bytes / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/** A time limit in seconds as people say it: "1 minute", "20 minutes", "1 day". */
export function formatLimit(seconds: number): string {
  const units: [number, string][] = [
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ];
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) {
      const n = seconds / size;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${seconds} seconds`;
}

/** "2025-03-04 14:05:09 UTC": to the second, for a job's times. */
export function formatTime(iso: string | null | undefined): string {
  return utc(iso, 19);
}

/** Milliseconds as "45 s", "3 min 07 s", "2 h 05 min": a job's duration or elapsed time. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} min`;
}

/** How long a job ran (finished) or has been running (`now`), or null before it started. */
export function jobDuration(job: { started_at: string | null; finished_at: string | null }, now: number): number | null {
  if (!job.started_at) return null;
  const start = Date.parse(job.started_at);
  const end = job.finished_at ? Date.parse(job.finished_at) : now;
  return Number.isNaN(start) || Number.isNaN(end) ? null : end - start;
}

/** An API refusal in people's words: "job[param]: …" names the form's field, "Parameters: …". */
export function humanizeRefusal(message: string): string {
  const fields: Record<string, string> = {
    'job[param]': 'Parameters',
    'job[version]': 'Version',
    'job[queue]': 'Queue',
    'job[webapp_id]': 'App',
  };
  return message.replace(/^(job\[\w+\]|files\[\d+\])(:\s*)/, (_all, field: string, sep: string) => `${fields[field] ?? 'Files'}${sep}`);
}
