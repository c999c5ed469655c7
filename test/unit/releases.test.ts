// An app's default version as a pointer (server/releases.ts), in a store in memory: what a
// publication, a promotion, a rollback and a yank do to it, and the history each leaves.
import { describe, it, expect, beforeEach } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App, User } from '../../server/store/index.js';
import { openDb } from '../../server/store/db.js';
import { defaultVersion, promote, published, rollback, yank } from '../../server/releases.js';
import { ReleaseError } from '../../server/errors.js';
import { memoryStoreEach, versionInput } from '../helpers/store.js';
import { refusal } from '../helpers/refusal.js';

const { store } = memoryStoreEach();
let alice: User;
let app: App;

/** A version that built and was published, as the outcome recorder does it. */
function ship(label: string, opts: { promote?: boolean } = {}) {
  const s = store();
  const v = s.versions.startBuilding({ ...versionInput(app, alice, label), promote: opts.promote });
  s.versions.finish(v.id, { state: 'ready', imageId: `sha256:${label}` }, '');
  published(s, s.versions.byId(v.id)!);
  return s.versions.byId(v.id)!;
}

const current = () => defaultVersion(store(), app)?.label ?? null;

beforeEach(() => {
  alice = store().users.create({ name: 'alice', email: 'a@example.org', isProvider: true }).user;
  app = store().apps.create('samusa', alice.id, false);
});

describe('the default version', () => {
  it('follows each publication, and stays put for one pushed with promote off', () => {
    ship('1.0');
    expect(current()).toBe('1.0');
    ship('1.1');
    expect(current()).toBe('1.1');
    ship('1.2', { promote: false });
    expect(current()).toBe('1.1');
    expect(store().versions.latestReady(app.id)?.label).toBe('1.2');
  });

  it('is the first version even when it was pushed with promote off: an app needs one to run', () => {
    ship('1.0', { promote: false });
    expect(current()).toBe('1.0');
  });

  it('shows the default version\'s manifest as the app\'s, not the newest one\'s', () => {
    ship('1.0');
    ship('2.0', { promote: false });
    expect(store().apps.byId(app.id)!.manifest?.version).toBe('1.0');
    promote(store(), app, '2.0', alice);
    expect(store().apps.byId(app.id)!.manifest?.version).toBe('2.0');
  });
});

describe('promote and rollback', () => {
  it('rolls back along the defaults as they were, one step each time', () => {
    ship('1.0');
    ship('1.1');
    ship('1.2');
    expect(rollback(store(), app, alice).label).toBe('1.1');
    expect(rollback(store(), app, alice).label).toBe('1.0');
    expect(refusal(() => rollback(store(), app, alice), ReleaseError).code).toBe('nothing_to_roll_back');
  });

  it('rolls back from an older version promoted again to the one it replaced', () => {
    ship('1.0');
    ship('2.0');
    promote(store(), app, '1.0', alice);
    expect(rollback(store(), app, alice).label).toBe('2.0');
  });

  it('refuses to promote a failed, building or yanked version, and an unknown one', () => {
    ship('1.0');
    ship('1.1');
    const s = store();
    const failed = s.versions.startBuilding(versionInput(app, alice, '2.0'));
    s.versions.finish(failed.id, { state: 'failed', error: 'boom' }, '');
    expect(refusal(() => promote(s, app, '2.0', alice), ReleaseError).code).toBe('version_not_ready');
    yank(s, app, '1.0', 'wrong results', alice);
    const e = refusal(() => promote(s, app, '1.0', alice), ReleaseError);
    expect(e.code).toBe('version_yanked');
    expect(e.message).toContain('wrong results');
    expect(refusal(() => promote(s, app, '9.9', alice), Error).message).toContain('no version "9.9"');
  });

  it('records who did what, newest first, and nothing for promoting the default again', () => {
    ship('1.0');
    ship('1.1', { promote: false });
    promote(store(), app, '1.1', alice);
    promote(store(), app, '1.1', alice);
    rollback(store(), app, alice);
    const h = store().releases.history(app.id);
    expect(h.map((r) => [r.action, r.version, r.movedDefault, r.user])).toEqual([
      ['rollback', '1.0', true, 'alice'],
      ['promote', '1.1', true, 'alice'],
      ['publish', '1.1', false, 'alice'],
      ['publish', '1.0', true, 'alice'],
    ]);
  });
});

describe('yank', () => {
  it('keeps the default when another version is yanked, and records the reason', () => {
    ship('1.0');
    ship('1.1');
    const r = yank(store(), app, '1.0', 'miscounts lines', alice);
    expect(r.default?.label).toBe('1.1');
    expect(r.version.yanked?.reason).toBe('miscounts lines');
    expect(store().releases.history(app.id)[0]).toMatchObject({ action: 'yank', version: '1.0', reason: 'miscounts lines', movedDefault: false });
  });

  it('rolls the default back when the default is yanked, passing over a yanked version', () => {
    ship('1.0');
    ship('1.1');
    ship('1.2');
    yank(store(), app, '1.1', 'bad', alice);
    expect(yank(store(), app, '1.2', 'worse', alice).default?.label).toBe('1.0');
    expect(store().releases.history(app.id)[0]).toMatchObject({ action: 'rollback', version: '1.0', reason: '1.2 was yanked' });
    expect(store().versions.latestReady(app.id)?.label).toBe('1.0');
  });

  it('leaves the app without a default when its only version is yanked, and refuses a second yank', () => {
    ship('1.0');
    expect(yank(store(), app, '1.0', 'retracted', alice).default).toBeNull();
    expect(current()).toBeNull();
    expect(refusal(() => yank(store(), app, '1.0', 'again', alice), ReleaseError).code).toBe('already_yanked');
  });
});

describe('the migration to release pointers', () => {
  it('makes the newest ready version of an existing app its default, with a history of its publications', () => {
    const dir = mkdtempSync(join(tmpdir(), 'allgo-releases-'));
    try {
      const file = join(dir, 'allgo.db');
      openDb(file).close();
      // Back to the schema before releases, with two published versions as it kept them.
      const raw = new Database(file);
      // The releases step, then the webhooks, catalog changes, unsent webhooks and queue runs steps after it (server/store/db.ts).
      const before = (raw.pragma('user_version', { simple: true }) as number) - 5;
      for (const t of ['app_insert', 'app_update', 'app_delete', 'version_insert', 'version_update', 'version_delete', 'release_insert', 'user_rename']) raw.exec(`DROP TRIGGER catalog_${t}`);
      raw.exec('DROP INDEX jobs_queue_runs; DROP TABLE catalog_changes;');
      raw.exec('DROP TABLE webhook_attempts; DROP TABLE webhook_deliveries; DROP TABLE job_webhooks; DROP TABLE user_webhooks;');
      raw.exec('DROP TABLE job_progress; DROP TABLE releases; ALTER TABLE apps DROP COLUMN default_version_id; ALTER TABLE versions DROP COLUMN promote; ALTER TABLE versions DROP COLUMN yanked_reason; ALTER TABLE versions DROP COLUMN yanked_at; ALTER TABLE versions DROP COLUMN tests;');
      raw.pragma(`user_version = ${before}`);
      raw.exec(`INSERT INTO users (id, name, email, token_hash, created_at) VALUES (1, 'ada', 'a@b.c', 'h', '2026-01-01');
        INSERT INTO apps (id, name, owner_id, created_at, updated_at) VALUES (1, 'old', 1, '2026-01-01', '2026-01-01');
        INSERT INTO versions (app_id, label, commit_sha, state, manifest, manifest_digest, image, pusher_id, created_at, finished_at) VALUES
          (1, '1.0', 'a', 'ready', '{}', 'd', 'i', 1, '2026-01-01', '2026-01-02'),
          (1, '1.1', 'b', 'ready', '{}', 'd', 'i', 1, '2026-01-03', '2026-01-04'),
          (1, '1.2', 'c', 'failed', '{}', 'd', 'i', 1, '2026-01-05', '2026-01-06');`);
      raw.close();
      const db = openDb(file);
      expect(db.prepare('SELECT versions.label FROM apps JOIN versions ON versions.id = apps.default_version_id').get()).toEqual({ label: '1.1' });
      expect(db.prepare('SELECT version_id, action, moved_default FROM releases ORDER BY id').all()).toEqual([
        { version_id: 1, action: 'publish', moved_default: 1 },
        { version_id: 2, action: 'publish', moved_default: 1 },
      ]);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
