// Download keys: derived from the secret and the job's salt, never stored; old keys still open
// their links through the hash the migration kept.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DownloadKeys } from '../../server/download-keys.js';
import { openStore } from '../../server/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'allgo-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('DownloadKeys', () => {
  const keys = new DownloadKeys('s'.repeat(64));
  const job = { id: 7, keySalt: 'a'.repeat(32), legacyKeyHash: null };

  it('makes 40 hex digits that depend on the secret, the job and its salt', () => {
    const key = keys.keyFor(job);
    expect(key).toMatch(/^[0-9a-f]{40}$/);
    expect(keys.keyFor({ ...job, id: 8 })).not.toBe(key);
    expect(keys.keyFor({ ...job, keySalt: 'b'.repeat(32) })).not.toBe(key);
    expect(new DownloadKeys('t'.repeat(64)).keyFor(job)).not.toBe(key);
    expect(keys.matches(job, key)).toBe(true);
    expect(keys.matches(job, key.slice(0, 39))).toBe(false);
    expect(keys.matches(job, key.toUpperCase())).toBe(false);
  });

  it('accepts an old key by its hash, and nothing else', () => {
    const old = 'f'.repeat(40);
    const legacy = { ...job, legacyKeyHash: createHash('sha256').update(old).digest('hex') };
    expect(keys.matches(legacy, old)).toBe(true);
    expect(keys.matches(legacy, keys.keyFor(legacy))).toBe(true);
    expect(keys.matches(legacy, legacy.legacyKeyHash)).toBe(false);
  });
});

describe('store migration 3', () => {
  it('replaces stored download keys by their hashes, leaving no copy in the file', () => {
    const file = join(dir, 'allgo.db');
    // A store as version 1 left it: a job with its key in plain text, the file 0644.
    const v1 = new Database(file);
    v1.pragma('journal_mode = WAL');
    v1.exec(`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, email TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, is_admin INTEGER NOT NULL DEFAULT 0, is_provider INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
      CREATE TABLE apps (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, owner_id INTEGER NOT NULL REFERENCES users(id), private INTEGER NOT NULL DEFAULT 0, manifest TEXT, description TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
      CREATE TABLE versions (id INTEGER PRIMARY KEY AUTOINCREMENT, app_id INTEGER NOT NULL REFERENCES apps(id), label TEXT NOT NULL, commit_sha TEXT NOT NULL, state TEXT NOT NULL, manifest TEXT NOT NULL, manifest_digest TEXT NOT NULL, description TEXT NOT NULL DEFAULT '', image TEXT NOT NULL, image_id TEXT, error TEXT, build_log TEXT, pusher_id INTEGER NOT NULL REFERENCES users(id), created_at TEXT NOT NULL, finished_at TEXT, UNIQUE (app_id, label));
      CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL REFERENCES users(id), app_id INTEGER NOT NULL REFERENCES apps(id), version_id INTEGER NOT NULL REFERENCES versions(id), param TEXT NOT NULL DEFAULT '', queue TEXT NOT NULL, state TEXT NOT NULL, result TEXT, exit_code INTEGER, message TEXT, access_key TEXT NOT NULL, created_at TEXT NOT NULL, started_at TEXT, finished_at TEXT);
      INSERT INTO users VALUES (1, 'ada', 'ada@x', 'h', 0, 0, 't');
      INSERT INTO apps VALUES (1, 'app', 1, 0, NULL, '', 't', 't');
      INSERT INTO versions VALUES (1, 1, '1.0', 'c', 'ready', '{}', 'd', '', 'i', NULL, NULL, NULL, 1, 't', NULL);
      INSERT INTO jobs (user_id, app_id, version_id, queue, state, access_key, created_at) VALUES (1, 1, 1, 'standard', 'done', '0123456789abcdef0123456789abcdef01234567', 't');
      PRAGMA user_version = 1;`);
    // Enough rows to fill many pages, whose freed space could keep the old bytes.
    const more = v1.prepare("INSERT INTO jobs (user_id, app_id, version_id, queue, state, access_key, created_at) VALUES (1, 1, 1, 'standard', 'done', ?, 't')");
    for (let i = 0; i < 500; i++) more.run(`${i.toString(16).padStart(8, '0')}feedfacefeedfacefeedfacefeedface`);
    v1.close();

    const store = openStore(file);
    const job = store.jobs.byId(1)!;
    store.close();
    expect(job.legacyKeyHash).toBe(createHash('sha256').update('0123456789abcdef0123456789abcdef01234567').digest('hex'));
    expect(job.keySalt).toMatch(/^[0-9a-f]{32}$/);
    expect(new DownloadKeys('x').matches(job, '0123456789abcdef0123456789abcdef01234567')).toBe(true);
    for (const f of [file, `${file}-wal`]) {
      const bytes = (() => {
        try {
          return readFileSync(f);
        } catch {
          return Buffer.alloc(0);
        }
      })();
      expect(bytes.includes('0123456789abcdef0123456789abcdef01234567'), f).toBe(false);
      expect(bytes.includes('feedfacefeedfacefeedface'), f).toBe(false);
    }
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
