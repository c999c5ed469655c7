// First start of a data dir: its permissions, its secret and its first admin.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from './store/index.js';

/**
 * The data dir holds the store, the repositories, every job's files and the server's secret:
 * only the server's user may enter it (0700), on a new data dir and on one made before this
 * rule (0755). Jobs are not locked out: a job's container mounts its own folder directly, and
 * paths above a mount point are never looked up inside the container.
 */
export async function secureDataDir(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  // Made 0700 when new (repos.ts, datastore.ts); these were 0755 before.
  for (const dir of ['repos', 'datastore']) await chmod(join(dataDir, dir), 0o700).catch(() => undefined);
}

/** The server's secret (signs hook and build-source requests), made once per data dir. */
export function loadSecret(dataDir: string): string {
  const file = join(dataDir, 'secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  return readFileSync(file, 'utf8').trim();
}

/** On an empty store, creates user "admin"; returns its token when it was generated here. */
export function ensureAdmin(store: Store, adminToken: string | null): { created: boolean; token: string | null } {
  if (store.users.count() > 0) return { created: false, token: null };
  const { token } = store.users.create({ name: 'admin', email: 'admin@localhost', isAdmin: true, isProvider: true, token: adminToken ?? undefined });
  return { created: true, token: adminToken ? null : token };
}
