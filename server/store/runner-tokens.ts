// Runner tokens: one per runner host (or builder host), made by an admin. Kept apart from
// users' tokens, so a user's token never acts as a runner and a runner's is no user's.
import { randomBytes } from 'node:crypto';
import { type Db, now } from './db.js';
import { hashToken } from './users.js';
import { RUNNER_TOKEN_PREFIX } from '../../common/runner-protocol.js';

export interface RunnerToken {
  id: number;
  name: string;
  createdAt: string;
}

interface Row {
  id: number;
  name: string;
  created_at: string;
}

const toToken = (r: Row): RunnerToken => ({ id: r.id, name: r.name, createdAt: r.created_at });

const newRunnerToken = (): string => RUNNER_TOKEN_PREFIX + randomBytes(24).toString('base64url');

const statements = (db: Db) => ({
  insert: db.prepare('INSERT INTO runner_tokens (name, token_hash, created_by, created_at) VALUES (?, ?, ?, ?)'),
  byId: db.prepare('SELECT * FROM runner_tokens WHERE id = ?'),
  byName: db.prepare('SELECT * FROM runner_tokens WHERE name = ?'),
  byTokenHash: db.prepare('SELECT * FROM runner_tokens WHERE token_hash = ?'),
  list: db.prepare('SELECT * FROM runner_tokens ORDER BY name'),
  remove: db.prepare('DELETE FROM runner_tokens WHERE name = ?'),
});

export class RunnerTokenStore {
  private readonly sql: ReturnType<typeof statements>;

  constructor(db: Db) {
    this.sql = statements(db);
  }

  create(name: string, createdBy: number | null): { runner: RunnerToken; token: string } {
    const token = newRunnerToken();
    const info = this.sql.insert.run(name, hashToken(token), createdBy, now());
    return { runner: this.byId(Number(info.lastInsertRowid))!, token };
  }

  byId(id: number): RunnerToken | null {
    const r = this.sql.byId.get(id) as Row | undefined;
    return r ? toToken(r) : null;
  }

  byName(name: string): RunnerToken | null {
    const r = this.sql.byName.get(name) as Row | undefined;
    return r ? toToken(r) : null;
  }

  byToken(token: string): RunnerToken | null {
    const r = this.sql.byTokenHash.get(hashToken(token)) as Row | undefined;
    return r ? toToken(r) : null;
  }

  list(): RunnerToken[] {
    return (this.sql.list.all() as Row[]).map(toToken);
  }

  /** Revokes a token: its runner is refused from its next call on. */
  remove(name: string): boolean {
    return this.sql.remove.run(name).changes === 1;
  }
}
