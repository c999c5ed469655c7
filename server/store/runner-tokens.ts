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

export const newRunnerToken = (): string => RUNNER_TOKEN_PREFIX + randomBytes(24).toString('base64url');

export class RunnerTokenStore {
  constructor(private readonly db: Db) {}

  create(name: string, createdBy: number | null): { runner: RunnerToken; token: string } {
    const token = newRunnerToken();
    const info = this.db.prepare('INSERT INTO runner_tokens (name, token_hash, created_by, created_at) VALUES (?, ?, ?, ?)').run(name, hashToken(token), createdBy, now());
    return { runner: this.byId(Number(info.lastInsertRowid))!, token };
  }

  byId(id: number): RunnerToken | null {
    const r = this.db.prepare('SELECT * FROM runner_tokens WHERE id = ?').get(id) as Row | undefined;
    return r ? toToken(r) : null;
  }

  byName(name: string): RunnerToken | null {
    const r = this.db.prepare('SELECT * FROM runner_tokens WHERE name = ?').get(name) as Row | undefined;
    return r ? toToken(r) : null;
  }

  byToken(token: string): RunnerToken | null {
    const r = this.db.prepare('SELECT * FROM runner_tokens WHERE token_hash = ?').get(hashToken(token)) as Row | undefined;
    return r ? toToken(r) : null;
  }

  list(): RunnerToken[] {
    return (this.db.prepare('SELECT * FROM runner_tokens ORDER BY name').all() as Row[]).map(toToken);
  }

  /** Revokes a token: its runner is refused from its next call on. */
  remove(name: string): boolean {
    return this.db.prepare('DELETE FROM runner_tokens WHERE name = ?').run(name).changes === 1;
  }
}
