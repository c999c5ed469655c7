import type { AllgoManifest, VersionState } from '../../schemas/index.js';
import { type Db, now } from './db.js';
import { pinnedImage } from '../../common/registry.js';

export interface Version {
  id: number;
  appId: number;
  label: string;
  commit: string;
  state: VersionState;
  manifest: AllgoManifest;
  manifestDigest: string;
  description: string;
  image: string;
  imageId: string | null;
  /** Set when the image was pushed to a registry: jobs then pull <repository>@<digest>. */
  imageRepository: string | null;
  imageDigest: string | null;
  /** Bytes, unpacked. */
  imageSize: number | null;
  error: string | null;
  pusherId: number;
  createdAt: string;
  finishedAt: string | null;
  /** Whether the version becomes the app's default once ready (allgo.yaml `promote`, the push option). */
  promote: boolean;
  /** Set when its owner yanked it: new jobs may not name it; its old jobs keep their records. */
  yanked: { reason: string; at: string } | null;
  /** The push-time tests it passed; null when its allgo.yaml declares none (or before it is ready). */
  tests: TestResult[] | null;
}

interface TestResult {
  name: string;
  seconds: number;
}

interface Row {
  id: number;
  app_id: number;
  label: string;
  commit_sha: string;
  state: VersionState;
  manifest: string;
  manifest_digest: string;
  description: string;
  image: string;
  image_id: string | null;
  image_repository: string | null;
  image_digest: string | null;
  image_size: number | null;
  error: string | null;
  pusher_id: number;
  created_at: string;
  finished_at: string | null;
  promote: number;
  yanked_reason: string | null;
  yanked_at: string | null;
  tests: string | null;
}

const toVersion = (r: Row): Version => ({
  id: r.id,
  appId: r.app_id,
  label: r.label,
  commit: r.commit_sha,
  state: r.state,
  manifest: JSON.parse(r.manifest) as AllgoManifest,
  manifestDigest: r.manifest_digest,
  description: r.description,
  image: r.image,
  imageId: r.image_id,
  imageRepository: r.image_repository,
  imageDigest: r.image_digest,
  imageSize: r.image_size,
  error: r.error,
  pusherId: r.pusher_id,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
  promote: r.promote === 1,
  yanked: r.yanked_at ? { reason: r.yanked_reason ?? '', at: r.yanked_at } : null,
  tests: r.tests ? (JSON.parse(r.tests) as TestResult[]) : null,
});

export type BuildOutcome =
  | { state: 'ready'; imageId: string; size?: number; pushed?: { repository: string; digest: string }; tests?: TestResult[] }
  | { state: 'failed'; error: string };

/**
 * What a job of this version runs. By digest when pushed, so any host pulls exactly it; else by
 * id, not tag: a tag can be moved (another installation on the engine, a rebuild).
 */
export function runnableImage(v: Version): string {
  if (v.imageRepository && v.imageDigest) return pinnedImage(v.imageRepository, v.imageDigest);
  return v.imageId ?? v.image;
}

// Columns listed without build_log: logs are read only through buildLog().
const COLS = 'id, app_id, label, commit_sha, state, manifest, manifest_digest, description, image, image_id, image_repository, image_digest, image_size, error, pusher_id, created_at, finished_at, promote, yanked_reason, yanked_at, tests';

/** Each statement compiled once, when the store opens: compiling costs about as much as running one. */
const statements = (db: Db) => ({
  dropFailed: db.prepare("DELETE FROM versions WHERE app_id = ? AND label = ? AND state = 'failed'"),
  insert: db.prepare(
    `INSERT INTO versions (app_id, label, commit_sha, state, manifest, manifest_digest, description, image, pusher_id, created_at, promote)
     VALUES (?, ?, ?, 'building', ?, ?, ?, ?, ?, ?, ?)`,
  ),
  byId: db.prepare(`SELECT ${COLS} FROM versions WHERE id = ?`),
  byLabel: db.prepare(`SELECT ${COLS} FROM versions WHERE app_id = ? AND label = ?`),
  listForApp: db.prepare(`SELECT ${COLS} FROM versions WHERE app_id = ? ORDER BY id DESC`),
  latestReady: db.prepare(`SELECT ${COLS} FROM versions WHERE app_id = ? AND state = 'ready' AND yanked_at IS NULL ORDER BY finished_at DESC, id DESC LIMIT 1`),
  latestReadyLabel: db.prepare(`SELECT label FROM versions WHERE app_id = ? AND state = 'ready' AND yanked_at IS NULL ORDER BY finished_at DESC, id DESC LIMIT 1`),
  allReady: db.prepare(`SELECT ${COLS.replace(' description,', " '' AS description,")} FROM versions WHERE state = 'ready' ORDER BY app_id, id DESC`),
  byImageId: db.prepare(`SELECT ${COLS} FROM versions WHERE image_id = ?`),
  listBuilding: db.prepare(`SELECT ${COLS} FROM versions WHERE state = 'building'`),
  finish: db.prepare(
    `UPDATE versions SET state = ?, image_id = ?, image_repository = ?, image_digest = ?, image_size = ?, error = ?, build_log = ?, finished_at = ?, tests = ?
     WHERE id = ? AND state = 'building'`,
  ),
  buildLog: db.prepare('SELECT build_log FROM versions WHERE id = ?'),
  yank: db.prepare('UPDATE versions SET yanked_reason = ?, yanked_at = ? WHERE id = ? AND yanked_at IS NULL'),
});

export class VersionStore {
  private readonly sql: ReturnType<typeof statements>;

  constructor(private readonly db: Db) {
    this.sql = statements(db);
  }

  /** Starts a build of `label`; a failed version of the same label is replaced. */
  startBuilding(input: {
    appId: number;
    label: string;
    commit: string;
    manifest: AllgoManifest;
    manifestDigest: string;
    description: string;
    image: string;
    pusherId: number;
    /** Default true: the version becomes the app's default once ready. */
    promote?: boolean;
  }): Version {
    return this.db.transaction(() => {
      this.sql.dropFailed.run(input.appId, input.label);
      const info = this.sql.insert.run(input.appId, input.label, input.commit, JSON.stringify(input.manifest), input.manifestDigest, input.description, input.image, input.pusherId, now(), input.promote === false ? 0 : 1);
      return this.byId(Number(info.lastInsertRowid))!;
    })();
  }

  byId(id: number): Version | null {
    const r = this.sql.byId.get(id) as Row | undefined;
    return r ? toVersion(r) : null;
  }

  byLabel(appId: number, label: string): Version | null {
    const r = this.sql.byLabel.get(appId, label) as Row | undefined;
    return r ? toVersion(r) : null;
  }

  /** Versions built as this image id (a pushed Dockerfile naming an image by id is checked against them). */
  withImageId(imageId: string): Version[] {
    return (this.sql.byImageId.all(imageId) as Row[]).map(toVersion);
  }

  listForApp(appId: number): Version[] {
    return (this.sql.listForApp.all(appId) as Row[]).map(toVersion);
  }

  /** The newest ready version not yanked: the app's `latest_version`, not its default (releases.ts). */
  latestReady(appId: number): Version | null {
    const r = this.sql.latestReady.get(appId) as Row | undefined;
    return r ? toVersion(r) : null;
  }

  /** The label of latestReady(appId), read alone: a list of every app asks it of each. */
  latestReadyLabel(appId: number): string | null {
    return (this.sql.latestReadyLabel.get(appId) as { label: string } | undefined)?.label ?? null;
  }

  /** Every app's ready versions, newest first, in one read (the catalog's export lists them all); without their descriptions, which the app carries. */
  readyByApp(): Map<number, Omit<Version, 'description'>[]> {
    const byApp = new Map<number, Omit<Version, 'description'>[]>();
    for (const r of this.sql.allReady.all() as Row[]) {
      const v: Omit<Version, 'description'> = toVersion(r);
      const list = byApp.get(v.appId);
      if (list) list.push(v);
      else byApp.set(v.appId, [v]);
    }
    return byApp;
  }

  listBuilding(): Version[] {
    return (this.sql.listBuilding.all() as Row[]).map(toVersion);
  }

  /** Only a building version can finish, so a late or repeated report changes nothing. */
  finish(id: number, outcome: BuildOutcome, buildLog: string): boolean {
    const ready = outcome.state === 'ready' ? outcome : null;
    const info = this.sql.finish.run(outcome.state, ready?.imageId ?? null, ready?.pushed?.repository ?? null, ready?.pushed?.digest ?? null, ready?.size ?? null, outcome.state === 'failed' ? outcome.error : null, buildLog, now(), ready?.tests?.length ? JSON.stringify(ready.tests) : null, id);
    return info.changes === 1;
  }

  /** Only the first yank counts: its reason and time stay. */
  yank(id: number, reason: string): boolean {
    return this.sql.yank.run(reason, now(), id).changes === 1;
  }

  buildLog(id: number): string | null {
    const r = this.sql.buildLog.get(id) as { build_log: string | null } | undefined;
    return r?.build_log ?? null;
  }
}
