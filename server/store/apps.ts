import type { AllgoManifest } from '../../schemas/index.js';
import { type Db, now } from './db.js';

export interface App {
  id: number;
  name: string;
  ownerId: number;
  ownerName: string;
  private: boolean;
  /** Manifest of the latest ready version; null until one is ready. */
  manifest: AllgoManifest | null;
  description: string;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  id: number;
  name: string;
  owner_id: number;
  owner_name: string;
  private: number;
  manifest: string | null;
  description: string;
  created_at: string;
  updated_at: string;
}

const toApp = (r: Row): App => ({
  id: r.id,
  name: r.name,
  ownerId: r.owner_id,
  ownerName: r.owner_name,
  private: r.private === 1,
  manifest: r.manifest ? (JSON.parse(r.manifest) as AllgoManifest) : null,
  description: r.description,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const SELECT = 'SELECT apps.*, users.name AS owner_name FROM apps JOIN users ON users.id = apps.owner_id';

/** Each statement compiled once, when the store opens: compiling costs about as much as running one. */
const statements = (db: Db) => ({
  insert: db.prepare('INSERT INTO apps (name, owner_id, private, created_at, updated_at) VALUES (?, ?, ?, ?, ?)'),
  byName: db.prepare(`${SELECT} WHERE apps.name = ?`),
  byId: db.prepare(`${SELECT} WHERE apps.id = ?`),
  listAll: db.prepare(`${SELECT} ORDER BY apps.name`),
  listVisible: db.prepare(`${SELECT} WHERE apps.private = 0 OR apps.owner_id = ? ORDER BY apps.name`),
  publish: db.prepare('UPDATE apps SET manifest = ?, description = ?, private = ?, updated_at = ? WHERE id = ?'),
});

export class AppStore {
  private readonly sql: ReturnType<typeof statements>;

  constructor(db: Db) {
    this.sql = statements(db);
  }

  create(name: string, ownerId: number, isPrivate: boolean): App {
    const t = now();
    this.sql.insert.run(name, ownerId, isPrivate ? 1 : 0, t, t);
    return this.byName(name)!;
  }

  byName(name: string): App | null {
    const r = this.sql.byName.get(name) as Row | undefined;
    return r ? toApp(r) : null;
  }

  byId(id: number): App | null {
    const r = this.sql.byId.get(id) as Row | undefined;
    return r ? toApp(r) : null;
  }

  /** By id or by name, as A||GO clients send `job[webapp_id]` (an id) and people send names. */
  byRef(ref: string): App | null {
    return /^\d+$/.test(ref) ? this.byId(Number(ref)) : this.byName(ref);
  }

  /** Apps the viewer may see: public ones, their own, or all for an admin. */
  listVisible(viewer: { id: number; isAdmin: boolean } | null): App[] {
    const rows = viewer?.isAdmin
      ? this.sql.listAll.all()
      : this.sql.listVisible.all(viewer?.id ?? -1);
    return (rows as Row[]).map(toApp);
  }

  /** A version became ready: the app now shows that version's manifest and description. */
  publish(appId: number, manifest: AllgoManifest, description: string): void {
    this.sql.publish.run(JSON.stringify(manifest), description, manifest.private ? 1 : 0, now(), appId);
  }
}
