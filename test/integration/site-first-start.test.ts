// Regression: on a first start the catalog answered 404 for seconds after "listening", and
// @fastify/static warned that the site's root did not exist. Until the first build lands, pages
// say the catalog is being built.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { siteRoutes } from '../../server/site/serve.js';
import { siteDir } from '../../server/site/build-site.js';

const dataDir = mkdtempSync(join(tmpdir(), 'allgo-site-first-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('the catalog on a first start', () => {
  it('says it is being built (503, reloading itself) until the first build, then serves it', async () => {
    const warnings: string[] = [];
    const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => void warnings.push(line) } } });
    await app.register((scope) => siteRoutes(scope, { dataDir, enabled: true }));
    const before = await app.inject({ url: '/apps/hello/' });
    expect(before.statusCode).toBe(503);
    expect(before.headers['retry-after']).toBe('3');
    expect(before.body).toContain('The catalog is being built');
    expect(warnings.filter((w) => w.includes('must exist'))).toEqual([]);

    const root = siteDir(dataDir);
    mkdirSync(join(root, 'apps', 'hello'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<h1>catalog</h1>');
    writeFileSync(join(root, '404.html'), '<h1>no such page</h1>');
    writeFileSync(join(root, 'apps', 'hello', 'index.html'), '<h1>hello</h1>');
    expect((await app.inject({ url: '/apps/hello/' })).body).toBe('<h1>hello</h1>');
    expect((await app.inject({ url: '/apps/nope/' })).statusCode).toBe(404);
    await app.close();
  });

  it('answers 404, not "being built", on a server whose catalog is turned off', async () => {
    const app = Fastify();
    await app.register((scope) => siteRoutes(scope, { dataDir: mkdtempSync(join(dataDir, 'off-')), enabled: false }));
    expect((await app.inject({ url: '/' })).statusCode).toBe(404);
    await app.close();
  });
});
