// What users' job files take, for admins: the biggest users, and pruning one user's old jobs.
import type { FastifyInstance } from 'fastify';
import { parseDuration } from '../../common/duration.js';
import type { PruneRequest, PruneResult, StorageList } from '../../schemas/index.js';
import { deleteJob } from '../jobs/cancel-job.js';
import { limitsOf } from '../store/users.js';
import { type ApiDeps, namedUser, requireAdmin, userNameParams } from './context.js';
import { def, errors } from './api-schemas.js';

/** Jobs pruned per call: a call stays short however many a user has; `more` says to call again. */
const PRUNE_BATCH = 500;

export async function storageRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { store, config } = deps;

  app.get<{ Querystring: { limit?: number }; Reply: StorageList }>(
    '/api/v1/storage',
    {
      schema: {
        tags: ['users'],
        summary: 'The users whose jobs take the most room, biggest first (admins)',
        querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 20 } } },
        response: { 200: def('StorageList'), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      requireAdmin(req, 'list storage use');
      return {
        users: store.usage.biggest(req.query.limit ?? 20).map((u) => ({
          name: u.name,
          storage_bytes: u.bytes,
          jobs: u.jobs,
          running: u.running,
          storage_gb: limitsOf(store.users.byName(u.name)!, config.userLimits).storageGb,
        })),
      };
    },
  );

  app.post<{ Params: { name: string }; Body: PruneRequest; Reply: PruneResult }>(
    '/api/v1/users/:name/prune',
    {
      schema: {
        tags: ['users'],
        summary: "Delete the files of a user's jobs finished longer ago than older_than (admins); their records stay, as deleted",
        params: userNameParams,
        body: def('PruneRequest'),
        response: { 200: def('PruneResult'), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      requireAdmin(req, "prune users' jobs");
      const user = namedUser(store, req.params.name);
      const before = new Date(Date.now() - parseDuration(req.body.older_than)).toISOString();
      const jobs = store.jobs.listFinishedForUser(user.id, before, PRUNE_BATCH + 1);
      let freed = 0;
      for (const job of jobs.slice(0, PRUNE_BATCH)) {
        await deleteJob(deps, job);
        freed += job.bytes;
      }
      req.log.info({ user: user.name, olderThan: req.body.older_than, deleted: Math.min(jobs.length, PRUNE_BATCH), freed }, 'user jobs pruned');
      return { deleted: Math.min(jobs.length, PRUNE_BATCH), freed_bytes: freed, more: jobs.length > PRUNE_BATCH };
    },
  );
}
