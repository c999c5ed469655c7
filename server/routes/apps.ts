import type { FastifyInstance } from 'fastify';
import { mayManage } from '../auth.js';
import { notFound } from '../errors.js';
import { appFacts, appSummary, appUrl, queueInfo, versionFacts, versionInputs } from '../app-facts.js';
import { readHeartbeats } from '../../common/heartbeats.js';
import type { AppDetail, AppList, Queues } from '../../schemas/index.js';
import type { App, User, Version } from '../store/index.js';
import { cwlTool, type ToolFacts } from '../descriptions/cwl.js';
import { boutiquesDescriptor } from '../descriptions/boutiques.js';
import { pinnedImage } from '../../common/registry.js';
import type { ApiDeps } from './context.js';
import { def, errors, textResponse } from './api-schemas.js';
import { readyVersion, versionParams, visibleApp } from './app-lookup.js';

const nameParams = { type: 'object', required: ['name'], properties: { name: { type: 'string', description: 'The app\'s name or id' } } };

/** A registry's pinned name when the image was pushed (anyone can pull it), else its local tag. */
const toolFacts = (a: App, v: Version): ToolFacts => ({
  app: a.name,
  version: v.label,
  image: v.imageRepository && v.imageDigest ? pinnedImage(v.imageRepository, v.imageDigest) : v.image,
  manifest: v.manifest,
});

export async function appRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { store, config } = deps;

  const find = (ref: string, user: User | null): App => visibleApp(store, ref, user);

  app.get<{ Reply: AppList }>('/api/v1/apps', { schema: { tags: ['apps'], summary: 'Apps you can see', response: { 200: def('AppList'), ...errors(401) } } }, async (req) => ({
    apps: store.apps.listVisible(req.user).map((a) => appSummary(store, a, req, config.defaultQueue)),
  }));

  app.get<{ Params: { name: string }; Reply: AppDetail }>(
    '/api/v1/apps/:name',
    { schema: { tags: ['apps'], summary: 'One app: versions, presets, queues', params: nameParams, response: { 200: def('AppDetail'), ...errors(401, 404) } } },
    async (req) => {
      const a = find(req.params.name, req.user);
      const owner = mayManage(req.user, a);
      // Failed and in-progress builds are the owner's business; others see what they can run.
      const versions = store.versions.listForApp(a.id).filter((v) => owner || v.state === 'ready');
      return {
        ...appFacts(store, a, config.defaultQueue),
        private: a.private,
        url: appUrl(req, a.name),
        versions: versions.map((v) => ({ ...versionFacts(v), ...versionInputs(v), state: v.state, image_digest: v.imageDigest, yanked: v.yanked, ...(owner ? { error: v.error } : {}) })),
        queues: queueInfo(config.queues),
        ...(owner ? { git_url: `${req.publicUrl}/git/${a.name}.git` } : {}),
      };
    },
  );

  app.get<{ Params: { name: string; version: string } }>(
    '/api/v1/apps/:name/versions/:version/build-log',
    {
      schema: {
        tags: ['apps'],
        summary: 'A version\'s build log (owner only)',
        params: { type: 'object', required: ['name', 'version'], properties: { name: { type: 'string' }, version: { type: 'string' } } },
        response: { 200: textResponse('the docker build output'), ...errors(401, 404) },
      },
    },
    async (req, reply) => {
      const a = find(req.params.name, req.user);
      const v = store.versions.byLabel(a.id, req.params.version);
      // Build logs can show the provider's source: they are the owner's only.
      if (!v || !mayManage(req.user, a)) throw notFound.version(a.name, req.params.version);
      return reply.type('text/plain; charset=utf-8').send(store.versions.buildLog(v.id) ?? (v.state === 'building' ? 'the build is in progress\n' : ''));
    },
  );

  // The standard descriptions of a ready version, each built from its manifest and image.
  const descriptions = [
    { path: 'cwl', build: cwlTool, summary: 'A ready version as a CWL v1.2 CommandLineTool (JSON, which is YAML): cwltool runs it with the version\'s image' },
    { path: 'boutiques', build: boutiquesDescriptor, summary: 'A ready version as a Boutiques descriptor (schema-version 0.5)' },
  ];
  for (const d of descriptions) {
    app.get<{ Params: { name: string; version: string } }>(
      `/api/v1/apps/:name/versions/:version/${d.path}`,
      { schema: { tags: ['apps'], summary: d.summary, params: versionParams, response: { 200: { description: d.summary, type: 'object', additionalProperties: true }, ...errors(401, 404) } } },
      async (req) => {
        const { a, v } = readyVersion(store, req.params.name, req.params.version, req.user);
        return d.build(toolFacts(a, v));
      },
    );
  }

  app.get<{ Reply: Queues }>(
    '/api/v1/queues',
    { schema: { tags: ['system'], summary: 'Queues: time limit, priority, concurrency cap, labels, and whether a live runner serves each', response: { 200: def('Queues') } } },
    async () => {
      const live = (await readHeartbeats(deps.redis, config.redisPrefix, config.heartbeatMs).catch(() => [])).filter((r) => r.live);
      return {
        default: config.defaultQueue,
        queues: queueInfo(config.queues).map((q) => {
          const runners = live.filter((r) => r.queues.includes(q.name)).length;
          return { ...q, runners, served: runners > 0 };
        }),
      };
    },
  );
}
