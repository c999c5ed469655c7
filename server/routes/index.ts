// The REST API and the result downloads, as one plugin. It needs req.user (allgo-auth), and
// the reference (allgo-openapi) must be registered first to see its routes.
import fp from 'fastify-plugin';
import type { ApiDeps } from './context.js';
import { jobRoutes } from './jobs.js';
import { jobEventRoutes } from './job-events.js';
import { jobZipRoutes } from './job-zip.js';
import { jobProvenanceRoutes } from './job-provenance.js';
import { appRoutes } from './apps.js';
import { appImageRoutes } from './app-images.js';
import { releaseRoutes } from './releases.js';
import { userRoutes } from './users.js';
import { healthRoutes } from './health.js';
import { datastoreRoutes } from './datastore.js';
import { runnerRoutes } from './runners.js';
import { storageRoutes } from './storage.js';
import { adminRoutes } from './admin.js';
import { sessionRoutes } from './sessions.js';
import { sessionEventRoutes } from './session-events.js';
import { webhookRoutes } from './webhooks.js';

export const api = fp<ApiDeps>(
  async (app, deps) => {
    await jobRoutes(app, deps);
    await jobEventRoutes(app, deps);
    await jobZipRoutes(app, deps);
    await jobProvenanceRoutes(app, deps);
    await appRoutes(app, deps);
    await appImageRoutes(app, deps);
    await releaseRoutes(app, deps);
    await userRoutes(app, deps);
    await healthRoutes(app, deps);
    await datastoreRoutes(app, deps);
    await runnerRoutes(app, deps);
    await storageRoutes(app, deps);
    await adminRoutes(app, deps);
    await sessionRoutes(app, deps);
    await sessionEventRoutes(app, deps);
    await webhookRoutes(app, deps);
  },
  { name: 'allgo-api', fastify: '5.x', encapsulate: true, dependencies: ['allgo-auth', 'allgo-openapi'] },
);
