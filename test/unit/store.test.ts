// The SQLite store, in memory: users and their tokens, apps and versions (jobs: store-jobs.test.ts).
import { createHash } from 'node:crypto';
import { describe, it, expect, beforeEach } from 'vitest';
import type { User, App, Version } from '../../server/store/index.js';
import { manifest, memoryStoreEach } from '../helpers/store.js';

const { store, startBuilding } = memoryStoreEach();

describe('users', () => {
  it('creates a user and returns a token for them', () => {
    const { user, token } = store().users.create({ name: 'alice', email: 'alice@example.org' });
    expect(user).toMatchObject({ name: 'alice', email: 'alice@example.org', isAdmin: false, isProvider: false });
    expect(token.length).toBeGreaterThanOrEqual(32);
  });

  it('stores only the sha256 of the token, never the token', () => {
    const { user, token } = store().users.create({ name: 'alice', email: 'alice@example.org' });
    const row = store().db.prepare('SELECT * FROM users WHERE id = ?').get(user.id) as Record<string, unknown>;
    expect(row.token_hash).not.toBe(token);
    expect(row.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(token);
  });

  it('gives every user a different token', () => {
    const a = store().users.create({ name: 'alice', email: 'a@example.org' });
    const b = store().users.create({ name: 'bob', email: 'b@example.org' });
    expect(a.token).not.toBe(b.token);
  });

  it('finds a user by their token, and nobody by a wrong one', () => {
    const { user, token } = store().users.create({ name: 'alice', email: 'alice@example.org', isProvider: true });
    expect(store().users.byToken(token)).toEqual(user);
    expect(store().users.byToken(token + 'x')).toBeNull();
    expect(store().users.byToken('')).toBeNull();
  });

  it('keeps the admin and provider flags', () => {
    const { user } = store().users.create({ name: 'root', email: 'r@example.org', isAdmin: true, isProvider: true });
    expect(store().users.byName('root')).toMatchObject({ id: user.id, isAdmin: true, isProvider: true });
  });

  it('accepts a given token (the admin token) and finds the user by it', () => {
    const { user, token } = store().users.create({ name: 'admin', email: 'a@example.org', isAdmin: true, token: 'given-token' });
    expect(token).toBe('given-token');
    expect(store().users.byToken('given-token')?.id).toBe(user.id);
  });

  it('refuses a second user of the same name', () => {
    store().users.create({ name: 'alice', email: 'a@example.org' });
    expect(() => store().users.create({ name: 'alice', email: 'other@example.org' })).toThrow(/UNIQUE/);
    expect(store().users.count()).toBe(1);
  });
});

describe('apps', () => {
  let alice: User;
  let bob: User;
  let admin: User;
  beforeEach(() => {
    alice = store().users.create({ name: 'alice', email: 'a@example.org' }).user;
    bob = store().users.create({ name: 'bob', email: 'b@example.org' }).user;
    admin = store().users.create({ name: 'root', email: 'r@example.org', isAdmin: true }).user;
  });

  it('creates an app owned by a user, with no manifest until a version is ready', () => {
    const app = store().apps.create('myapp', alice.id, false);
    expect(app).toMatchObject({ name: 'myapp', ownerId: alice.id, ownerName: 'alice', private: false, manifest: null, description: '' });
    expect(store().apps.byName('myapp')).toEqual(app);
    expect(store().apps.byId(app.id)).toEqual(app);
  });

  it('finds no app by an unknown name or id', () => {
    expect(store().apps.byName('nope')).toBeNull();
    expect(store().apps.byId(12345)).toBeNull();
  });

  it('refuses a second app of the same name', () => {
    store().apps.create('myapp', alice.id, false);
    expect(() => store().apps.create('myapp', bob.id, false)).toThrow(/UNIQUE/);
  });

  it('hides private apps from other users and anonymous callers, by name order', () => {
    store().apps.create('zeta', alice.id, false);
    store().apps.create('alpha', bob.id, false);
    store().apps.create('secret', alice.id, true);
    expect(store().apps.listVisible(bob).map((a) => a.name)).toEqual(['alpha', 'zeta']);
    expect(store().apps.listVisible(null).map((a) => a.name)).toEqual(['alpha', 'zeta']);
  });

  it('shows private apps to their owner and to admins', () => {
    store().apps.create('zeta', alice.id, false);
    store().apps.create('secret', alice.id, true);
    store().apps.create('bobs-secret', bob.id, true);
    expect(store().apps.listVisible(alice).map((a) => a.name)).toEqual(['secret', 'zeta']);
    expect(store().apps.listVisible(admin).map((a) => a.name)).toEqual(['bobs-secret', 'secret', 'zeta']);
  });

  it('publishes a ready version’s manifest, description and privacy on the app', () => {
    const app = store().apps.create('myapp', alice.id, false);
    store().apps.publish(app.id, { ...manifest('1.0'), private: true }, 'Hello');
    expect(store().apps.byId(app.id)).toMatchObject({ manifest: { version: '1.0', private: true }, description: 'Hello', private: true });
  });
});

describe('versions', () => {
  let alice: User;
  let app: App;
  beforeEach(() => {
    alice = store().users.create({ name: 'alice', email: 'a@example.org' }).user;
    app = store().apps.create('myapp', alice.id, false);
  });

  it('starts a build as a building version, with no latest ready version yet', () => {
    const v = startBuilding(app, alice, '1.0');
    expect(v).toMatchObject({ appId: app.id, label: '1.0', state: 'building', manifest: manifest('1.0'), imageId: null, error: null, finishedAt: null });
    expect(store().versions.latestReady(app.id)).toBeNull();
    expect(store().versions.listBuilding().map((x) => x.id)).toEqual([v.id]);
  });

  it('makes a version that finished ready the latest ready one, with its build log', () => {
    const v = startBuilding(app, alice, '1.0');
    expect(store().versions.finish(v.id, { state: 'ready', imageId: 'sha256:abc' }, 'Step 1/1\n')).toBe(true);
    expect(store().versions.latestReady(app.id)).toMatchObject({ id: v.id, state: 'ready', imageId: 'sha256:abc' });
    expect(store().versions.latestReady(app.id)?.finishedAt).not.toBeNull();
    expect(store().versions.buildLog(v.id)).toBe('Step 1/1\n');
    expect(store().versions.listBuilding()).toEqual([]);
  });

  it('takes the most recently finished ready version as the latest', () => {
    const v1 = startBuilding(app, alice, '1.0');
    const v2 = startBuilding(app, alice, '2.0');
    store().versions.finish(v1.id, { state: 'ready', imageId: 'i1' }, '');
    store().versions.finish(v2.id, { state: 'ready', imageId: 'i2' }, '');
    expect(store().versions.latestReady(app.id)?.label).toBe('2.0');
  });

  it('does not take a failed version as the latest ready one', () => {
    const v1 = startBuilding(app, alice, '1.0');
    store().versions.finish(v1.id, { state: 'ready', imageId: 'i1' }, '');
    const v2 = startBuilding(app, alice, '2.0');
    store().versions.finish(v2.id, { state: 'failed', error: 'boom' }, 'log');
    expect(store().versions.latestReady(app.id)?.label).toBe('1.0');
    expect(store().versions.byId(v2.id)).toMatchObject({ state: 'failed', error: 'boom', imageId: null });
  });

  it('finishes a version once: a second report changes nothing', () => {
    const v = startBuilding(app, alice, '1.0');
    expect(store().versions.finish(v.id, { state: 'ready', imageId: 'first' }, 'log 1')).toBe(true);
    expect(store().versions.finish(v.id, { state: 'failed', error: 'late' }, 'log 2')).toBe(false);
    expect(store().versions.byId(v.id)).toMatchObject({ state: 'ready', imageId: 'first', error: null });
    expect(store().versions.buildLog(v.id)).toBe('log 1');
  });

  it('does not finish a version that does not exist', () => {
    expect(store().versions.finish(999, { state: 'ready', imageId: 'x' }, '')).toBe(false);
  });

  it('replaces a failed version when the same label is built again, with a new id', () => {
    const failed = startBuilding(app, alice, '1.0', 'a'.repeat(40));
    store().versions.finish(failed.id, { state: 'failed', error: 'boom' }, '');
    const again = startBuilding(app, alice, '1.0', 'b'.repeat(40));
    expect(again.id).toBeGreaterThan(failed.id);
    expect(again).toMatchObject({ state: 'building', commit: 'b'.repeat(40) });
    expect(store().versions.byId(failed.id)).toBeNull();
    expect(store().versions.byLabel(app.id, '1.0')?.id).toBe(again.id);
    expect(store().versions.listForApp(app.id)).toHaveLength(1);
  });

  it('refuses a second build of a label that is building', () => {
    startBuilding(app, alice, '1.0');
    expect(() => startBuilding(app, alice, '1.0')).toThrow(/UNIQUE/);
    expect(store().versions.listForApp(app.id)).toHaveLength(1);
  });

  it('refuses a new build of a label that is ready', () => {
    const v = startBuilding(app, alice, '1.0');
    store().versions.finish(v.id, { state: 'ready', imageId: 'i' }, '');
    expect(() => startBuilding(app, alice, '1.0')).toThrow(/UNIQUE/);
    expect(store().versions.byId(v.id)?.state).toBe('ready');
  });

  it('allows the same label in two different apps', () => {
    const other = store().apps.create('other', alice.id, false);
    startBuilding(app, alice, '1.0');
    expect(() => startBuilding(other, alice, '1.0')).not.toThrow();
  });

  it('lists an app’s versions newest first', () => {
    startBuilding(app, alice, '1.0');
    startBuilding(app, alice, '1.1');
    startBuilding(app, alice, '2.0');
    expect(store().versions.listForApp(app.id).map((v) => v.label)).toEqual(['2.0', '1.1', '1.0']);
  });
});

describe('new tokens', () => {
  it('carry the allgo_ prefix, so none starts with a dash that a command line would take for an option', async () => {
    const { newToken } = await import('../../server/store/users.js');
    const tokens = Array.from({ length: 500 }, () => newToken());
    for (const t of tokens) expect(t).toMatch(/^allgo_[A-Za-z0-9_-]{32}$/);
    expect(new Set(tokens).size).toBe(500);
  });
});
