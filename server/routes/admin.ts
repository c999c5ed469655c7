// The admin overview: what admins watch, from the same place /metrics reads it (admin/overview.ts).
import type { FastifyInstance } from 'fastify';
import type { AdminOverview } from '../../schemas/index.js';
import { readOverview } from '../admin/overview.js';
import { type ApiDeps, requireAdmin } from './context.js';
import { def, errors } from './api-schemas.js';

export async function adminRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.get<{ Reply: AdminOverview }>(
    '/api/v1/admin/overview',
    {
      schema: {
        tags: ['system'],
        summary: 'Queues, runner hosts, the last failed jobs and builds, the biggest users and disk use, read now (admins)',
        response: { 200: def('AdminOverview'), ...errors(401, 403) },
      },
    },
    async (req) => {
      requireAdmin(req, 'see the admin overview');
      return readOverview(deps);
    },
  );
}
