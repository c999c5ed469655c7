import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/**
 * O_NOFOLLOW then fstat: the file opened is the regular file at `path`, never a link's target
 * nor a FIFO (O_NONBLOCK). Jobs write their folders: whoever reads them back (the server, a
 * runner uploading) opens files this way. Null if there is no such regular file.
 */
export async function openRegular(path: string): Promise<{ handle: FileHandle; size: number; mtimeMs: number } | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  const s = await handle.stat();
  if (!s.isFile()) {
    await handle.close();
    return null;
  }
  return { handle, size: s.size, mtimeMs: s.mtimeMs };
}
