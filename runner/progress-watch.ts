// A running job's progress, as its program reports it without any allgo library: a line
// `##allgo progress 42` or `##allgo progress 42 aligning reads` on its output, or the same
// words in a .allgo-progress file of its folder. The runner reads both about once a second
// (the log file as it grows, the file when its mtime moves) and reports the latest change.
// The lines stay in the log.
import { join } from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import { openRegular } from '../common/open-regular.js';

export interface JobProgress {
  percent: number;
  stage: string | null;
  at: string;
}

const PROGRESS_FILE = '.allgo-progress';
const LINE = /^(?:##allgo progress\s+)?(\d{1,3}(?:\.\d+)?)%?(?:\s+(.+?))?\s*$/;
const LOG_LINE = /^##allgo progress\s/;
const STAGE_MAX = 200;
/** Most bytes of new log read per look: a program that writes faster has its older lines skipped. */
const READ_MAX = 1024 * 1024;

/** `42 aligning reads` (or `##allgo progress 42 …`) as progress; null for anything else. */
export function parseProgress(text: string): Omit<JobProgress, 'at'> | null {
  const m = LINE.exec(text.trim());
  if (!m) return null;
  const percent = Math.min(100, Number(m[1]));
  const stage = m[2] ? Array.from(m[2].replace(/[\u0000-\u001f\u007f]/g, ' ')).slice(0, STAGE_MAX).join('') : null;
  return { percent, stage };
}

export interface ProgressWatch {
  /** One last look, then no more. */
  stop(): Promise<void>;
}

export function watchProgress(workdir: string, logFile: string, report: (p: JobProgress) => Promise<unknown>, intervalMs = 1000): ProgressWatch {
  let offset = 0;
  let partial = '';
  let fileMtime = 0;
  let last: Omit<JobProgress, 'at'> | null = null;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const readNew = async (handle: FileHandle, size: number): Promise<string> => {
    if (size - offset > READ_MAX) {
      offset = size - READ_MAX;
      partial = '';
    }
    const buf = Buffer.alloc(Math.max(0, size - offset));
    const { bytesRead } = await handle.read(buf, 0, buf.length, offset);
    offset += bytesRead;
    return buf.subarray(0, bytesRead).toString('utf8');
  };

  const fromLog = async (): Promise<Omit<JobProgress, 'at'> | null> => {
    const f = await openRegular(logFile);
    if (!f) return null;
    try {
      const lines = (partial + (await readNew(f.handle, f.size))).split('\n');
      partial = lines.pop() ?? '';
      let found: Omit<JobProgress, 'at'> | null = null;
      for (const l of lines) if (LOG_LINE.test(l)) found = parseProgress(l) ?? found;
      return found;
    } finally {
      await f.handle.close();
    }
  };

  const fromFile = async (): Promise<Omit<JobProgress, 'at'> | null> => {
    // Opened without following a link: the folder is the job's to fill with anything.
    const f = await openRegular(join(workdir, PROGRESS_FILE));
    if (!f) return null;
    try {
      if (f.mtimeMs === fileMtime) return null;
      fileMtime = f.mtimeMs;
      const buf = Buffer.alloc(Math.min(f.size, 1024));
      await f.handle.read(buf, 0, buf.length, 0);
      return parseProgress(buf.toString('utf8').split('\n')[0]);
    } finally {
      await f.handle.close();
    }
  };

  const lookOnce = async () => {
    // Both are read each time, so the log's offset keeps up; a file just written wins.
    const file = await fromFile().catch(() => null);
    const line = await fromLog().catch(() => null);
    const seen = file ?? line;
    if (!seen || (last && seen.percent === last.percent && seen.stage === last.stage)) return;
    last = seen;
    await report({ ...seen, at: new Date().toISOString() }).catch(() => undefined);
  };
  // One look at a time: the last one (at stop) must not interleave with the timer's.
  let looking: Promise<void> = Promise.resolve();
  const look = () => (looking = looking.then(lookOnce));

  const loop = () => {
    timer = setTimeout(() => {
      void look().finally(() => !stopped && loop());
    }, intervalMs);
  };
  loop();
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      await look();
    },
  };
}
