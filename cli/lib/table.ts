// Plain-text tables and field lists for people; `--json` is there for scripts. Cells come
// from other users (app titles, tags), so control characters are replaced: a title cannot
// move the cursor or recolour the terminal.

export type Cell = string | number | boolean | null | undefined;

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** One line of safe text: control and direction characters become spaces, `-` stands for nothing. */
export function cellText(v: Cell, max = 60): string {
  if (v === null || v === undefined || v === '') return '-';
  const s = String(v).replace(CONTROL, ' ');
  const chars = [...s];
  return chars.length > max ? chars.slice(0, max - 1).join('') + '…' : s;
}

const width = (s: string): number => [...s].length;

/** Columns padded to their widest cell, two spaces apart; no trailing spaces. */
export function table(headers: string[], rows: Cell[][], opts: { max?: number } = {}): string {
  const cells = [headers, ...rows.map((r) => headers.map((_, i) => cellText(r[i], opts.max)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => width(r[i]))));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i] - width(c)))).join('  ').trimEnd()).join('\n') + '\n';
}

/** `name:  value` lines, aligned. Rows with an undefined value are left out. */
export function fields(rows: [string, Cell][]): string {
  const shown = rows.filter(([, v]) => v !== undefined);
  const w = Math.max(...shown.map(([k]) => k.length)) + 1;
  return shown.map(([k, v]) => `${(k + ':').padEnd(w)}  ${cellText(v, 200)}`).join('\n') + '\n';
}

export function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  do {
    v /= 1024;
    u++;
  } while (v >= 1024 && u < units.length - 1);
  return `${v.toFixed(1)} ${units[u]}`;
}

/** `2024-05-01T12:03:04.123Z` → `2024-05-01 12:03:04` (UTC, as stored). */
export const shortTime = (iso: string | null | undefined): string | null => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : null);
