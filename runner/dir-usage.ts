import { opendir, lstat } from 'node:fs/promises';
import { join } from 'node:path';

export interface DirUsage {
  /** Disk the folder's entries take. */
  bytes: number;
  /** Entries under it (files, folders, links: each an inode). */
  entries: number;
}

/**
 * What a job's folder costs the host, counted the way the disk counts it: each entry's
 * allocated blocks, so 100k one-byte files weigh their 400 MB of blocks, not 100 KB; or its
 * length when that is larger, so a sparse file weighs what a download of it would send.
 * Links are counted, never followed. The walk stops as soon as either count passes its
 * limit, so its cost is bounded by the limits, not by what the job made.
 */
export async function dirUsage(dir: string, limits: { bytes: number; entries: number } = { bytes: Infinity, entries: Infinity }): Promise<DirUsage> {
  const used: DirUsage = { bytes: 0, entries: 0 };
  const over = () => used.bytes > limits.bytes || used.entries > limits.entries;
  const stack = [dir];
  while (stack.length > 0 && !over()) {
    const current = stack.pop()!;
    const entries = await opendir(current).catch(() => null);
    if (!entries) continue;
    for await (const e of entries) {
      const path = join(current, e.name);
      const s = await lstat(path).catch(() => null);
      if (!s) continue;
      used.entries += 1;
      used.bytes += Math.max(s.blocks * 512, s.isFile() ? s.size : 0);
      if (e.isDirectory()) stack.push(path);
      // Leaving the loop early closes the directory handle.
      if (over()) break;
    }
  }
  return used;
}
