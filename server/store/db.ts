// The store: one SQLite file, written only by the server. WAL lets readers (and the
// `allgo user add` command) work while the server writes.
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';

export type Db = Database.Database;

/** A schema change: SQL, or a function for a change that needs computing row by row. */
type Migration = string | ((db: Db) => void);

const MIGRATIONS: Migration[] = [
  `CREATE TABLE users (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     email TEXT NOT NULL,
     token_hash TEXT NOT NULL UNIQUE,
     is_admin INTEGER NOT NULL DEFAULT 0,
     is_provider INTEGER NOT NULL DEFAULT 0,
     created_at TEXT NOT NULL
   );
   CREATE TABLE apps (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     owner_id INTEGER NOT NULL REFERENCES users(id),
     private INTEGER NOT NULL DEFAULT 0,
     manifest TEXT,            -- JSON of the latest ready version's manifest
     description TEXT NOT NULL DEFAULT '',
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   -- AUTOINCREMENT: ids name BullMQ jobs and log streams, so a deleted row's id is never reused.
   CREATE TABLE versions (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     app_id INTEGER NOT NULL REFERENCES apps(id),
     label TEXT NOT NULL,
     commit_sha TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('building', 'ready', 'failed')),
     manifest TEXT NOT NULL,
     manifest_digest TEXT NOT NULL,
     description TEXT NOT NULL DEFAULT '',
     image TEXT NOT NULL,
     image_id TEXT,
     error TEXT,
     build_log TEXT,
     pusher_id INTEGER NOT NULL REFERENCES users(id),
     created_at TEXT NOT NULL,
     finished_at TEXT,
     UNIQUE (app_id, label)
   );
   CREATE TABLE jobs (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     user_id INTEGER NOT NULL REFERENCES users(id),
     app_id INTEGER NOT NULL REFERENCES apps(id),
     version_id INTEGER NOT NULL REFERENCES versions(id),
     param TEXT NOT NULL DEFAULT '',
     queue TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('new', 'waiting', 'running', 'done', 'aborting', 'archived', 'deleted')),
     result TEXT CHECK (result IN ('success', 'error', 'timeout', 'aborted')),
     exit_code INTEGER,
     message TEXT,
     access_key TEXT NOT NULL,
     created_at TEXT NOT NULL,
     started_at TEXT,
     finished_at TEXT
   );
   CREATE INDEX jobs_user ON jobs(user_id, id);
   CREATE INDEX jobs_state ON jobs(state);`,
  // The names of a job's uploaded input files (a JSON list): answers tell them from its results.
  `ALTER TABLE jobs ADD COLUMN inputs TEXT NOT NULL DEFAULT '[]';`,
  // Download keys stop being stored (server/download-keys.ts derives them from the server's
  // secret and a per-job salt). A job from before keeps only the sha256 of its old key, so the
  // links already shared still open, while the store no longer holds a key that does.
  (db) => {
    db.exec("ALTER TABLE jobs ADD COLUMN key_salt TEXT NOT NULL DEFAULT ''; ALTER TABLE jobs ADD COLUMN legacy_key_hash TEXT;");
    const update = db.prepare('UPDATE jobs SET key_salt = ?, legacy_key_hash = ? WHERE id = ?');
    for (const r of db.prepare('SELECT id, access_key FROM jobs').all() as { id: number; access_key: string }[]) {
      update.run(randomBytes(16).toString('hex'), createHash('sha256').update(r.access_key).digest('hex'), r.id);
    }
    db.exec('ALTER TABLE jobs DROP COLUMN access_key');
  },
  // Runner hosts authenticate with tokens of their own kind, never a user's. A job's attempt
  // fences staging: only the attempt a runner claimed last may commit outputs.
  `CREATE TABLE runner_tokens (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     token_hash TEXT NOT NULL UNIQUE,
     created_by INTEGER REFERENCES users(id),
     created_at TEXT NOT NULL
   );
   ALTER TABLE jobs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE jobs ADD COLUMN runner TEXT;`,
  // With a registry, a version's image is known by the registry's digest in its repository.
  `ALTER TABLE versions ADD COLUMN image_repository TEXT;
   ALTER TABLE versions ADD COLUMN image_digest TEXT;
   ALTER TABLE versions ADD COLUMN image_size INTEGER;`,
  // Fair shares and per-user limits count a user's jobs by state at each submission. A limit
  // left NULL is the config's (limits.user); an admin sets one per user. A job's bytes are its
  // folder's (inputs at submission, all files once committed): a user's storage is their sum.
  // With bytes last, the index alone answers a user's storage sum.
  `ALTER TABLE jobs ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
   CREATE INDEX jobs_user_state ON jobs(user_id, state, queue, bytes);
   ALTER TABLE users ADD COLUMN max_running INTEGER;
   ALTER TABLE users ADD COLUMN max_waiting INTEGER;
   ALTER TABLE users ADD COLUMN per_minute INTEGER;
   ALTER TABLE users ADD COLUMN storage_gb REAL;`,
  // The typed values of a job of an app with parameters (a JSON object, defaults filled in);
  // NULL for an app that takes free text only.
  `ALTER TABLE jobs ADD COLUMN params TEXT;`,
  // An app's latest ready version, asked of every app by the catalog's export and each list of
  // apps: found in the index instead of sorting the app's versions.
  `CREATE INDEX versions_latest_ready ON versions(app_id, state, finished_at DESC, id DESC);`,
  // Provenance (issue 16): the argv as run (secrets masked), the SHA-256 of each input (at
  // submission) and output (at commit), as JSON lists; the result cache's key; what a job re-ran
  // or was served from; a re-run's outputs that differ from its original's.
  `ALTER TABLE jobs ADD COLUMN argv TEXT;
   ALTER TABLE jobs ADD COLUMN input_files TEXT;
   ALTER TABLE jobs ADD COLUMN output_files TEXT;
   ALTER TABLE jobs ADD COLUMN cache_key TEXT;
   ALTER TABLE jobs ADD COLUMN cached_from INTEGER;
   ALTER TABLE jobs ADD COLUMN rerun_of INTEGER;
   ALTER TABLE jobs ADD COLUMN not_reproduced TEXT;
   CREATE INDEX jobs_cache_key ON jobs(cache_key, id) WHERE cache_key IS NOT NULL;`,
  // Sessions of webapps: a container started on demand and routed by the server's proxy.
  // The id is random and DNS-safe: it names the session's URL (/s/ID/, ID.<domain>).
  `CREATE TABLE sessions (
     id TEXT PRIMARY KEY,
     user_id INTEGER NOT NULL REFERENCES users(id),
     app_id INTEGER NOT NULL REFERENCES apps(id),
     version_id INTEGER NOT NULL REFERENCES versions(id),
     state TEXT NOT NULL CHECK (state IN ('starting', 'ready', 'failed', 'stopped')),
     reason TEXT,
     log_tail TEXT,
     address TEXT,
     idle_timeout_ms INTEGER NOT NULL,
     max_age_ms INTEGER NOT NULL,
     created_at TEXT NOT NULL,
     ready_at TEXT,
     ended_at TEXT,
     last_request_at TEXT
   );
   CREATE INDEX sessions_live ON sessions(state, user_id);`,
  // A session's share link: its key is derived from this nonce and the server's secret (never
  // stored); a new share or a revocation changes or clears it, and every link and cookie it made dies.
  `ALTER TABLE sessions ADD COLUMN share_nonce TEXT;`,
  // (test/unit/releases.test.ts undoes this step and the webhooks one after it: a step added after those must move the test too.)
  // Releases (and, in the same step, push-time test results and job progress): an app's default version is a pointer its owner moves (promote, rollback), not
  // "the newest ready". Each move, each publication and each yank is one row of its history.
  // moved_default says whether the row made its version the default (rollback replays them).
  // Apps and their history start as they were: the newest ready version is the default.
  `ALTER TABLE apps ADD COLUMN default_version_id INTEGER REFERENCES versions(id);
   ALTER TABLE versions ADD COLUMN promote INTEGER NOT NULL DEFAULT 1;
   ALTER TABLE versions ADD COLUMN yanked_reason TEXT;
   ALTER TABLE versions ADD COLUMN yanked_at TEXT;
   -- The push-time tests' results (JSON), NULL for a version whose allgo.yaml declares none.
   ALTER TABLE versions ADD COLUMN tests TEXT;
   CREATE TABLE releases (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     app_id INTEGER NOT NULL REFERENCES apps(id),
     version_id INTEGER NOT NULL REFERENCES versions(id),
     action TEXT NOT NULL CHECK (action IN ('publish', 'promote', 'rollback', 'yank')),
     moved_default INTEGER NOT NULL,
     user_id INTEGER NOT NULL REFERENCES users(id),
     reason TEXT,
     created_at TEXT NOT NULL
   );
   CREATE INDEX releases_app ON releases(app_id, id);
   -- A running job's latest progress as its program reports it (##allgo progress lines, .allgo-progress).
   CREATE TABLE job_progress (
     job_id INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
     percent REAL NOT NULL,
     stage TEXT,
     at TEXT NOT NULL
   );
   UPDATE apps SET default_version_id = (SELECT id FROM versions WHERE versions.app_id = apps.id AND state = 'ready' ORDER BY finished_at DESC, id DESC LIMIT 1);
   INSERT INTO releases (app_id, version_id, action, moved_default, user_id, created_at)
     SELECT app_id, id, 'publish', 1, pusher_id, COALESCE(finished_at, created_at) FROM versions WHERE state = 'ready' ORDER BY finished_at, id;`,
  // Webhooks (issue 16). A user's default webhook and the nonce their signing secret is derived
  // from (server/webhooks/signature.ts); a job's webhook with what it has sent (each event once,
  // progress throttled); each delivery (its body kept, so every attempt sends the same bytes)
  // and each attempt, for the job's owner to see.
  `CREATE TABLE user_webhooks (
     user_id INTEGER PRIMARY KEY REFERENCES users(id),
     url TEXT,
     events TEXT NOT NULL DEFAULT '["completed"]',
     secret_nonce TEXT,
     updated_at TEXT NOT NULL
   );
   CREATE TABLE job_webhooks (
     job_id INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
     url TEXT NOT NULL,
     events TEXT NOT NULL,
     link_base TEXT NOT NULL,
     start_sent INTEGER NOT NULL DEFAULT 0,
     completed_sent INTEGER NOT NULL DEFAULT 0,
     progress_sent_ms INTEGER,
     progress_sent_at TEXT
   );
   CREATE TABLE webhook_deliveries (
     id TEXT PRIMARY KEY,
     job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
     event TEXT NOT NULL CHECK (event IN ('start', 'progress', 'completed')),
     state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
     body TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE INDEX webhook_deliveries_job ON webhook_deliveries(job_id, created_at);
   CREATE TABLE webhook_attempts (
     id INTEGER PRIMARY KEY,
     delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
     at TEXT NOT NULL,
     status_code INTEGER,
     error TEXT,
     duration_ms INTEGER NOT NULL
   );
   CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id, id);`,
  // What the catalog shows changed: a row per write to an app, its versions or its release
  // history, and per app a renamed user owns or acted on, made by triggers, so that no write
  // path (nor `allgo` commands beside the server) can leave one out. A catalog rebuild exports
  // only the apps named since the last one (server/site/catalog-mirror.ts), then prunes.
  `CREATE TABLE catalog_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, app_id INTEGER NOT NULL);
   CREATE TRIGGER catalog_app_insert AFTER INSERT ON apps BEGIN INSERT INTO catalog_changes (app_id) VALUES (NEW.id); END;
   CREATE TRIGGER catalog_app_update AFTER UPDATE ON apps BEGIN INSERT INTO catalog_changes (app_id) VALUES (NEW.id); END;
   CREATE TRIGGER catalog_app_delete AFTER DELETE ON apps BEGIN INSERT INTO catalog_changes (app_id) VALUES (OLD.id); END;
   CREATE TRIGGER catalog_version_insert AFTER INSERT ON versions BEGIN INSERT INTO catalog_changes (app_id) VALUES (NEW.app_id); END;
   CREATE TRIGGER catalog_version_update AFTER UPDATE ON versions BEGIN INSERT INTO catalog_changes (app_id) VALUES (NEW.app_id); END;
   CREATE TRIGGER catalog_version_delete AFTER DELETE ON versions BEGIN INSERT INTO catalog_changes (app_id) VALUES (OLD.app_id); END;
   CREATE TRIGGER catalog_release_insert AFTER INSERT ON releases BEGIN INSERT INTO catalog_changes (app_id) VALUES (NEW.app_id); END;
   CREATE TRIGGER catalog_user_rename AFTER UPDATE OF name ON users WHEN NEW.name IS NOT OLD.name BEGIN
     INSERT INTO catalog_changes (app_id) SELECT id FROM apps WHERE owner_id = NEW.id UNION SELECT app_id FROM releases WHERE user_id = NEW.id;
   END;`,
  // The webhooks' catch-up at start looks for completed events not sent: only those rows, not
  // every job that ever had a webhook.
  `CREATE INDEX job_webhooks_unsent ON job_webhooks(job_id) WHERE completed_sent = 0;`,
  // A waiting job's estimated start reads its queue's last runs (store/queue-history.ts) on every
  // GET: by this index, not by a walk back through every job, the waiting ones first.
  `CREATE INDEX jobs_queue_runs ON jobs(queue, id) WHERE started_at IS NOT NULL AND finished_at IS NOT NULL AND result IS NOT NULL AND result != 'aborted';`,
];

/**
 * The store holds every user's and job's records: only its owner may read it. A new file is
 * made 0600 before SQLite opens it; an older one (0644 until now) and its WAL files are set so.
 */
function restrictFile(file: string): void {
  if (file === ':memory:' || file === '') return;
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
}

export function openDb(file: string): Db {
  restrictFile(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let v = current; v < MIGRATIONS.length; v++) {
    const m = MIGRATIONS[v];
    db.transaction(() => {
      if (typeof m === 'string') db.exec(m);
      else m(db);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  // What a migration removed (an old download key) must not linger in free pages or in the
  // WAL: VACUUM rewrites the file without them, and the checkpoint empties the WAL. Once.
  if (current > 0 && current < MIGRATIONS.length) {
    db.exec('VACUUM');
    db.pragma('wal_checkpoint(TRUNCATE)');
  }
  return db;
}

export const now = (): string => new Date().toISOString();
