import { readdir, lstat } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes used by the regular files under `dir` (links not followed), stopping early past `stopAt`. */
export async function dirSize(dir: string, stopAt = Number.POSITIVE_INFINITY): Promise<number> {
  let total = 0;
  const stack = [dir];
  while (stack.length > 0 && total <= stopAt) {
    const current = stack.pop()!;
    const entries = await readdir(current, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const path = join(current, e.name);
      if (e.isDirectory()) stack.push(path);
      else if (e.isFile()) total += (await lstat(path).catch(() => null))?.size ?? 0;
      if (total > stopAt) break;
    }
  }
  return total;
}
