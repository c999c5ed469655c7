// An app's release history and its default-version pointer (apps.default_version_id). The
// rules (who may move it, what a yank does to it) are server/releases.ts's; this only records.
import { type Db, now } from './db.js';

export type ReleaseAction = 'publish' | 'promote' | 'rollback' | 'yank';

export interface Release {
  id: number;
  appId: number;
  versionId: number;
  version: string;
  commit: string;
  action: ReleaseAction;
  /** Whether this change made its version the app's default. */
  movedDefault: boolean;
  user: string;
  reason: string | null;
  at: string;
  /** How many push-time tests the version passed; null: it declares none. */
  testsPassed: number | null;
}

interface Row {
  id: number;
  app_id: number;
  version_id: number;
  label: string;
  commit_sha: string;
  action: ReleaseAction;
  moved_default: number;
  user_name: string;
  reason: string | null;
  created_at: string;
  tests_passed: number | null;
}

const toRelease = (r: Row): Release => ({
  id: r.id,
  appId: r.app_id,
  versionId: r.version_id,
  version: r.label,
  commit: r.commit_sha,
  action: r.action,
  movedDefault: r.moved_default === 1,
  user: r.user_name,
  reason: r.reason,
  at: r.created_at,
  testsPassed: r.tests_passed,
});

const statements = (db: Db) => ({
  defaultOf: db.prepare('SELECT default_version_id AS id FROM apps WHERE id = ?'),
  defaultLabel: db.prepare('SELECT versions.label FROM apps JOIN versions ON versions.id = apps.default_version_id WHERE apps.id = ?').pluck(),
  setDefault: db.prepare('UPDATE apps SET default_version_id = ? WHERE id = ?'),
  insert: db.prepare('INSERT INTO releases (app_id, version_id, action, moved_default, user_id, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
  history: db.prepare(
    `SELECT releases.id, releases.app_id, releases.version_id, versions.label, versions.commit_sha, releases.action, releases.moved_default,
            users.name AS user_name, releases.reason, releases.created_at, json_array_length(versions.tests) AS tests_passed
     FROM releases JOIN versions ON versions.id = releases.version_id JOIN users ON users.id = releases.user_id
     WHERE releases.app_id = ? ORDER BY releases.id DESC`,
  ),
  moves: db.prepare('SELECT version_id, action FROM releases WHERE app_id = ? AND (moved_default = 1 OR action = \'rollback\') ORDER BY id'),
});

export class ReleaseStore {
  private readonly sql: ReturnType<typeof statements>;

  constructor(db: Db) {
    this.sql = statements(db);
  }

  defaultVersionId(appId: number): number | null {
    return (this.sql.defaultOf.get(appId) as { id: number | null } | undefined)?.id ?? null;
  }

  /** The default version's label alone, in one read: a list of every app asks it of each. */
  defaultVersionLabel(appId: number): string | null {
    return (this.sql.defaultLabel.get(appId) as string | undefined) ?? null;
  }

  setDefault(appId: number, versionId: number | null): void {
    this.sql.setDefault.run(versionId, appId);
  }

  record(input: { appId: number; versionId: number; action: ReleaseAction; movedDefault: boolean; userId: number; reason?: string | null }): void {
    this.sql.insert.run(input.appId, input.versionId, input.action, input.movedDefault ? 1 : 0, input.userId, input.reason ?? null, now());
  }

  /** Newest first. */
  history(appId: number): Release[] {
    return (this.sql.history.all(appId) as Row[]).map(toRelease);
  }

  /**
   * The versions that were the default, oldest first, as a stack: a promotion (or a promoted
   * publication) pushes its version, a rollback pops back to its own. So rolling back twice
   * after promoting A, B, C lands on A, and a version promoted again is on it twice.
   */
  defaultStack(appId: number): number[] {
    const stack: number[] = [];
    for (const m of this.sql.moves.all(appId) as { version_id: number; action: ReleaseAction }[]) {
      if (m.action !== 'rollback') {
        stack.push(m.version_id);
        continue;
      }
      while (stack.length && stack[stack.length - 1] !== m.version_id) stack.pop();
      if (!stack.length) stack.push(m.version_id);
    }
    return stack;
  }
}
