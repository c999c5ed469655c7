import { hash, randomBytes } from 'node:crypto';
import type { UserLimits } from '../../common/config.js';
import { type Db, now } from './db.js';
import { ReadCache } from './read-cache.js';
import type { OtherCommits } from './other-commits.js';

export interface User {
  id: number;
  name: string;
  email: string;
  isAdmin: boolean;
  isProvider: boolean;
  createdAt: string;
  /** What an admin set for this user; null: the config's (limits.user). */
  limits: UserLimits;
}

interface Row {
  id: number;
  name: string;
  email: string;
  is_admin: number;
  is_provider: number;
  created_at: string;
  max_running: number | null;
  max_waiting: number | null;
  per_minute: number | null;
  storage_gb: number | null;
}

const toUser = (r: Row): User => ({
  id: r.id,
  name: r.name,
  email: r.email,
  isAdmin: r.is_admin === 1,
  isProvider: r.is_provider === 1,
  createdAt: r.created_at,
  limits: { maxRunning: r.max_running, maxWaiting: r.max_waiting, perMinute: r.per_minute, storageGb: r.storage_gb },
});

/** The user's share: what an admin set, else the config's. */
export const limitsOf = (user: User, defaults: Readonly<UserLimits>): UserLimits => ({
  maxRunning: user.limits.maxRunning ?? defaults.maxRunning,
  maxWaiting: user.limits.maxWaiting ?? defaults.maxWaiting,
  perMinute: user.limits.perMinute ?? defaults.perMinute,
  storageGb: user.limits.storageGb ?? defaults.storageGb,
});

/** Tokens are 32 random bytes, so a fast hash is enough to keep them unusable if the store leaks. */
export const hashToken = (token: string): string => hash('sha256', token, 'hex');
/**
 * A prefix makes tokens recognisable (secret scanners, logs) and means one never starts with
 * "-", which command lines would take for an option (`allgo login --token -x…`).
 */
export const newToken = (): string => `allgo_${randomBytes(24).toString('base64url')}`;

export const USER_NAME_RULE = 'user names are 2 to 40 characters: lowercase letters, digits, dots, dashes and underscores, starting with a letter';
export const isValidUserName = (n: string): boolean => /^[a-z][a-z0-9._-]{1,39}$/.test(n);

/** Each statement compiled once, when the store opens: compiling costs about as much as running one. */
const statements = (db: Db) => ({
  insert: db.prepare('INSERT INTO users (name, email, token_hash, is_admin, is_provider, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
  byId: db.prepare('SELECT * FROM users WHERE id = ?'),
  byName: db.prepare('SELECT * FROM users WHERE name = ?'),
  byTokenHash: db.prepare('SELECT * FROM users WHERE token_hash = ?'),
  count: db.prepare('SELECT count(*) AS n FROM users'),
  setLimits: db.prepare('UPDATE users SET max_running = ?, max_waiting = ?, per_minute = ?, storage_gb = ? WHERE id = ?'),
});

/** Users kept by token hash: the auth hook reads the caller's on every request. */
const CACHED_USERS = 10_000;

export class UserStore {
  private readonly sql: ReturnType<typeof statements>;
  private readonly byHash: ReadCache<string, User>;

  constructor(db: Db, commits: OtherCommits) {
    this.sql = statements(db);
    this.byHash = new ReadCache(commits, CACHED_USERS);
  }

  create(input: { name: string; email: string; isAdmin?: boolean; isProvider?: boolean; token?: string }): { user: User; token: string } {
    const token = input.token ?? newToken();
    const info = this.sql.insert.run(input.name, input.email, hashToken(token), input.isAdmin ? 1 : 0, input.isProvider ? 1 : 0, now());
    return { user: this.byId(Number(info.lastInsertRowid))!, token };
  }

  byId(id: number): User | null {
    const r = this.sql.byId.get(id) as Row | undefined;
    return r ? toUser(r) : null;
  }

  byName(name: string): User | null {
    const r = this.sql.byName.get(name) as Row | undefined;
    return r ? toUser(r) : null;
  }

  byToken(token: string): User | null {
    const hash = hashToken(token);
    return this.byHash.get(hash, () => {
      const r = this.sql.byTokenHash.get(hash) as Row | undefined;
      return r ? toUser(r) : null;
    });
  }

  count(): number {
    return (this.sql.count.get() as { n: number }).n;
  }

  /** Sets the user's own limits (null: back to the config's); the user as it is now. */
  setLimits(id: number, limits: UserLimits): User | null {
    this.sql.setLimits.run(limits.maxRunning, limits.maxWaiting, limits.perMinute, limits.storageGb, id);
    this.byHash.clear();
    return this.byId(id);
  }
}
