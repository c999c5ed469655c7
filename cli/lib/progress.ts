// The upload progress bar: drawn on stderr, only when it is a terminal and the upload is
// large enough to wait for, redrawn at most ten times a second, erased when done.
import { humanBytes } from './table.js';

const PROGRESS_MIN_BYTES = 4 * 1024 * 1024;

export function progressLine(sent: number, total: number, barWidth = 30): string {
  const ratio = total > 0 ? Math.min(sent / total, 1) : 1;
  const filled = Math.round(ratio * barWidth);
  const pct = `${Math.floor(ratio * 100)}%`.padStart(4);
  return `uploading ${pct} [${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${humanBytes(sent)} / ${humanBytes(total)}`;
}

/** A job's reported progress as one line: `[#####.....]  42% aligning reads`. */
export function jobProgressLine(percent: number, stage: string | null, barWidth = 30): string {
  const filled = Math.round((Math.min(Math.max(percent, 0), 100) / 100) * barWidth);
  return `progress [${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${`${Math.floor(percent)}%`.padStart(4)}${stage ? ` ${stage}` : ''}`;
}

export interface ProgressBar {
  update(sent: number, total: number): void;
  /** Erases the bar. */
  done(): void;
}

export function progressBar(stream: NodeJS.WriteStream, totalBytes: number): ProgressBar | null {
  if (!stream.isTTY || totalBytes < PROGRESS_MIN_BYTES) return null;
  let last = 0;
  let shown = '';
  return {
    update(sent, total) {
      const now = Date.now();
      if (now - last < 100 && sent < total) return;
      const line = progressLine(sent, total);
      if (line === shown) return;
      last = now;
      shown = line;
      stream.write(`\r${line}\x1b[K`);
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
      shown = '';
    },
  };
}
