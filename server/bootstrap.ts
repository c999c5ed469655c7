// First start of a data dir: its secret and its first admin.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from './store/index.js';

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
