// Serves the built catalog (<data dir>/site) at /. Routes registered elsewhere (the API,
// /git, /datastore) are more specific than this catch-all, so they always win. A path with
// no page gets the site's 404 page; an unknown /api/ path keeps the API's JSON answer.
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
import { NotFoundError } from '../errors.js';
import { siteDir } from './build-site.js';
import { hideRoutes } from '../plugins/route-index.js';
import { installSitePolicy } from '../security-headers.js';

const YEAR_S = 365 * 24 * 3600;

export async function siteRoutes(app: FastifyInstance, opts: { dataDir: string; enabled: boolean }): Promise<void> {
  // Pages, not API: out of the reference.
  hideRoutes(app);
  installSitePolicy(app);
  const root = siteDir(opts.dataDir);
  // The first build runs after the server listens: until then the root is empty, not missing.
  await mkdir(root, { recursive: true });
  // serve: false: only reply.sendFile, which handles ranges, ETags and the .br/.gz copies.
  await app.register(fastifyStatic, { root, serve: false, preCompressed: true, index: false, dotfiles: 'deny', cacheControl: false });

  const isFile = async (rel: string) => (await stat(join(root, rel)).catch(() => null))?.isFile() ?? false;

  const notFound = async (reply: FastifyReply) => {
    if (await isFile('404.html')) return reply.code(404).header('cache-control', 'no-cache').sendFile('/404.html');
    // No 404 page means no catalog yet: its first build is under way (a few seconds after start).
    if (opts.enabled && !(await isFile('index.html'))) return beingBuilt(reply);
    return reply.code(404).type('text/html; charset=utf-8').send('<!doctype html><title>Not found</title><h1>Not found</h1><p><a href="/">allgo</a></p>\n');
  };

  app.get('/*', async (req, reply) => {
    const url = req.url;
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    if (rawPath.startsWith('/api/')) throw new NotFoundError(`no route ${req.method} ${rawPath}`);
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      return notFound(reply);
    }
    const segments = path.split('/').slice(1);
    // No dotfiles, no way out of the root, no NUL: such paths are never pages.
    if (segments.some((s) => s.startsWith('.') || s.includes('\\') || s.includes('\0'))) return notFound(reply);

    reply.header('vary', 'accept-encoding');
    if (path.endsWith('/')) {
      const index = `${path}index.html`;
      if (!(await isFile(index))) return notFound(reply);
      reply.header('cache-control', 'no-cache');
      return reply.sendFile(index);
    }
    if (await isFile(path)) {
      // Astro names its assets by content hash: they never change under one name.
      if (path.startsWith('/_astro/')) return reply.sendFile(path, { cacheControl: true, maxAge: YEAR_S * 1000, immutable: true });
      reply.header('cache-control', 'no-cache');
      return reply.sendFile(path);
    }
    if (await isFile(`${path}/index.html`)) return reply.redirect(`${rawPath}/${q < 0 ? '' : url.slice(q)}`, 301);
    return notFound(reply);
  });
}

function beingBuilt(reply: FastifyReply): FastifyReply {
  return reply
    .code(503)
    .header('retry-after', '3')
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(
      '<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="3"><title>allgo: the catalog is being built</title>' +
        '<h1>The catalog is being built</h1><p>allgo has just started and is building its pages; this page reloads by itself in a few seconds.</p>' +
        '<p>The API is ready: <a href="/api/docs">/api/docs</a>.</p>\n',
    );
}
