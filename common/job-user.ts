import { chmod, chown } from 'node:fs/promises';

/**
 * Hands a job folder to the uid:gid jobs run as (mode 750), so the job can write it; a
 * process that cannot chown (not root) opens it to everyone instead.
 */
export async function handToJobUser(dir: string, jobUser: string): Promise<void> {
  const [uid, gid] = jobUser.split(':').map(Number);
  if (process.getuid?.() === 0) {
    await chown(dir, uid, gid);
    await chmod(dir, 0o750);
  } else {
    await chmod(dir, 0o777);
  }
}
