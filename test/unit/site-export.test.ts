// The catalog document the site is generated from: public apps with a ready version, their
// ready versions only, and nothing at all of a private app.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { openStore, type Store, type User } from '../../server/store/index.js';
import { loadConfig } from '../../common/config.js';
import { exportCatalog } from '../../server/site/export.js';
import { loadSchema } from '../../schemas/index.js';
import { publishApp } from '../../support/seed-store.js';
import { yank } from '../../server/releases.js';

let store: Store;
let owner: User;
const config = loadConfig({ ALLGO_DATA_DIR: '/nonexistent', ALLGO_PUBLIC_URL: 'https://allgo.example.org/' });

beforeEach(() => {
  store = openStore(':memory:');
  owner = store.users.create({ name: 'ada', email: 'ada@example.org' }).user;
});
afterEach(() => store.close());

describe('exportCatalog', () => {
  it('exports a public app with its manifest, description, ready versions and the queues', () => {
    publishApp(store, {
      name: 'samusa',
      owner,
      manifest: { title: 'Samusa', tags: ['audio', 'speech'], presets: [{ name: 'fast', params: '--fast' }], contact: 'a@b.c', queue: 'batch', input_limit: 50 },
      description: '# Samusa\n\nDetects *music* and speech.',
      versions: ['1.0', '1.1'],
      failed: ['2.0'],
    });
    const doc = exportCatalog(store, config);
    expect(doc.public_url).toBe('https://allgo.example.org');
    expect(doc.default_queue).toBe('standard');
    expect(doc.queues.map((q) => [q.name, q.time_limit, q.time_limit_seconds])).toEqual([
      ['interactive', '1m', 60],
      ['standard', '20m', 1200],
      ['batch', '1d', 86400],
    ]);
    expect(doc.apps).toHaveLength(1);
    expect(doc.apps[0]).toMatchObject({
      name: 'samusa',
      title: 'Samusa',
      owner: 'ada',
      description: '# Samusa\n\nDetects *music* and speech.',
      tags: ['audio', 'speech'],
      presets: [{ name: 'fast', params: '--fast' }],
      contact: 'a@b.c',
      queue: 'batch',
      input_limit: 50,
      memory: 1024,
      latest_version: '1.1',
    });
    // Newest first, and the failed 2.0 is the owner's business only.
    expect(doc.apps[0].versions.map((v) => v.version)).toEqual(['1.1', '1.0']);
  });

  it('carries the default version and the release history, and leaves a yanked version out of the run form', () => {
    const app = publishApp(store, { name: 'samusa', owner, versions: ['1.0', '1.1'] });
    yank(store, app, '1.1', 'wrong counts', owner);
    const [entry] = exportCatalog(store, config).apps;
    expect(entry).toMatchObject({ default_version: '1.0', latest_version: '1.0' });
    expect(entry.versions.map((v) => v.version)).toEqual(['1.0']);
    expect(entry.releases.map((r) => [r.action, r.version, r.default, r.reason])).toEqual([
      ['rollback', '1.0', true, '1.1 was yanked'],
      ['yank', '1.1', false, 'wrong counts'],
      ['publish', '1.1', true, null],
      ['publish', '1.0', true, null],
    ]);
  });

  it('leaves private apps out entirely, and apps with no ready version', () => {
    publishApp(store, { name: 'visible', owner, description: 'shown' });
    publishApp(store, { name: 'hidden', owner, manifest: { private: true, title: 'Secret Title' }, description: 'secret text' });
    publishApp(store, { name: 'never-built', owner, versions: [], failed: ['1.0'] });
    const doc = exportCatalog(store, config);
    expect(doc.apps.map((a) => a.name)).toEqual(['visible']);
    const text = JSON.stringify(doc);
    for (const needle of ['hidden', 'Secret Title', 'secret text', 'never-built']) expect(text).not.toContain(needle);
  });

  it('drops an app that turned private in a later version', () => {
    publishApp(store, { name: 'turncoat', owner, versions: ['1.0'] });
    expect(exportCatalog(store, config).apps).toHaveLength(1);
    publishApp(store, { name: 'turncoat', owner, manifest: { private: true }, versions: ['2.0'] });
    expect(exportCatalog(store, config).apps).toEqual([]);
  });

  it('matches schemas/site-export.schema.json', () => {
    publishApp(store, { name: 'plain', owner });
    publishApp(store, { name: 'full', owner, manifest: { title: 'Full', os: 'debian', cpus: 1.5, tags: ['x'] }, description: 'd' });
    // The catalog's apps and queues are api.schema.json's AppFacts and QueueInfo, extended with
    // allOf + unevaluatedProperties (JSON Schema 2020-12); tsType is the type generator's keyword.
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    (addFormats as unknown as (a: Ajv2020) => void)(ajv);
    ajv.addKeyword('tsType');
    // api.schema.json shows the manifest's own definitions (a typed value) by reference.
    const validate = ajv.addSchema(loadSchema('allgo')).addSchema(loadSchema('api')).compile(loadSchema('site-export'));
    expect(validate(exportCatalog(store, config)), JSON.stringify(validate.errors)).toBe(true);
  });
});
