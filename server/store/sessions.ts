// Webapp sessions. Written by the server alone, like every table: the session service
// (server/sessions/session-service.ts) is the one caller that changes them.
import type { SessionState } from '../../schemas/index.js';
import { type Db, now } from './db.js';

export interface Session {
  id: string;
  userId: number;
  appId: number;
  versionId: number;
  state: SessionState;
  /** Why it ended: idle_timeout, max_age, stopped by user, platform restart, or why it failed. */
  reason: string | null;
  logTail: string | null;
  /** host:port the proxy forwards to, once the container has it. */
  address: string | null;
  idleTimeoutMs: number;
  maxAgeMs: number;
  createdAt: string;
  readyAt: string | null;
  endedAt: string | null;
  lastRequestAt: string | null;
  /** Set while a share link is out (session-access.ts derives its key); null: none. */
  shareNonce: string | null;
}

interface Row {
  id: string;
  user_id: number;
  app_id: number;
  version_id: number;
  state: SessionState;
  reason: string | null;
  log_tail: string | null;
  address: string | null;
  idle_timeout_ms: number;
  max_age_ms: number;
  created_at: string;
  ready_at: string | null;
  ended_at: string | null;
  last_request_at: string | null;
  share_nonce: string | null;
}

const toSession = (r: Row): Session => ({
  id: r.id,
  userId: r.user_id,
  appId: r.app_id,
  versionId: r.version_id,
  state: r.state,
  reason: r.reason,
  logTail: r.log_tail,
  address: r.address,
  idleTimeoutMs: r.idle_timeout_ms,
  maxAgeMs: r.max_age_ms,
  createdAt: r.created_at,
  readyAt: r.ready_at,
  endedAt: r.ended_at,
  lastRequestAt: r.last_request_at,
  shareNonce: r.share_nonce,
});

const LIVE = "state IN ('starting', 'ready')";

export class SessionStore {
  constructor(private readonly db: Db) {}

  create(s: { id: string; userId: number; appId: number; versionId: number; idleTimeoutMs: number; maxAgeMs: number }): Session {
    this.db
      .prepare('INSERT INTO sessions (id, user_id, app_id, version_id, state, idle_timeout_ms, max_age_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(s.id, s.userId, s.appId, s.versionId, 'starting', s.idleTimeoutMs, s.maxAgeMs, now());
    return this.byId(s.id)!;
  }

  byId(id: string): Session | null {
    const r = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as Row | undefined;
    return r ? toSession(r) : null;
  }

  listForUser(userId: number): Session[] {
    return (this.db.prepare('SELECT * FROM sessions WHERE user_id = ? ORDER BY created_at DESC LIMIT 200').all(userId) as Row[]).map(toSession);
  }

  listLive(): Session[] {
    return (this.db.prepare(`SELECT * FROM sessions WHERE ${LIVE}`).all() as Row[]).map(toSession);
  }

  countLive(userId?: number): number {
    const q = userId === undefined ? this.db.prepare(`SELECT COUNT(*) AS n FROM sessions WHERE ${LIVE}`).get() : this.db.prepare(`SELECT COUNT(*) AS n FROM sessions WHERE ${LIVE} AND user_id = ?`).get(userId);
    return (q as { n: number }).n;
  }

  setAddress(id: string, address: string): void {
    this.db.prepare(`UPDATE sessions SET address = ? WHERE id = ? AND ${LIVE}`).run(address, id);
  }

  /** starting → ready; false when it ended meanwhile (stopped while it started). */
  markReady(id: string): boolean {
    const t = now();
    return this.db.prepare("UPDATE sessions SET state = 'ready', ready_at = ?, last_request_at = ? WHERE id = ? AND state = 'starting'").run(t, t, id).changes === 1;
  }

  /** Ends a live session once: false when it had already ended. */
  end(id: string, state: 'failed' | 'stopped', reason: string, logTail: string | null = null): boolean {
    return this.db.prepare(`UPDATE sessions SET state = ?, reason = ?, log_tail = COALESCE(?, log_tail), ended_at = ? WHERE id = ? AND ${LIVE}`).run(state, reason, logTail, now(), id).changes === 1;
  }

  setShareNonce(id: string, nonce: string | null): void {
    this.db.prepare('UPDATE sessions SET share_nonce = ? WHERE id = ?').run(nonce, id);
  }

  touch(id: string, at: string): void {
    this.db.prepare('UPDATE sessions SET last_request_at = ? WHERE id = ?').run(at, id);
  }
}
