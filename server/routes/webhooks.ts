// Webhooks' routes: your default webhook and signing secret (/api/v1/user/webhook…), and a
// job's deliveries with each attempt (/api/v1/jobs/N/webhooks), for its owner.
import type { FastifyInstance } from 'fastify';
import type { UserWebhook as UserWebhookBody, UserWebhookSet, WebhookDeliveryList, WebhookSecret } from '../../schemas/index.js';
import type { User } from '../store/index.js';
import { checkWebhook } from '../webhooks/webhook-request.js';
import { newSecretNonce, userWebhookSecret } from '../webhooks/signature.js';
import { type ApiDeps, requireUser } from './context.js';
import { def, errors, jobIdParams } from './api-schemas.js';
import { visibleJob } from './job-access.js';

export async function webhookRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { store, config } = deps;
  const check = { allowPrivate: config.webhooks.allowPrivate };
  const describe = (u: User, secret?: string): UserWebhookBody => {
    const own = store.webhooks.ofUser(u.id);
    return { url: own.url, events: own.events, has_secret: own.secretNonce !== null, ...(secret ? { secret } : {}) };
  };
  /** A new signing secret for `u`: only its nonce is kept, the secret itself is shown once. */
  const newSecret = (u: User): string => {
    const nonce = newSecretNonce();
    store.webhooks.setSecretNonce(u.id, nonce);
    return userWebhookSecret(deps.secret, u.id, nonce);
  };

  app.get<{ Reply: UserWebhookBody }>(
    '/api/v1/user/webhook',
    { schema: { tags: ['webhooks'], summary: 'Your default webhook (used by each job that names none), and whether you have a signing secret', response: { 200: def('UserWebhook'), ...errors(401) } } },
    async (req) => describe(requireUser(req)),
  );

  app.put<{ Body: UserWebhookSet; Reply: UserWebhookBody }>(
    '/api/v1/user/webhook',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Set your default webhook; the answer holds your signing secret when this made it (your first webhook), shown once',
        body: def('UserWebhookSet'),
        response: { 200: def('UserWebhook'), ...errors(400, 401) },
      },
    },
    async (req) => {
      const user = requireUser(req);
      const hook = await checkWebhook(req.body.url, req.body.events, check);
      store.webhooks.setUserDefault(user.id, hook.url, hook.events);
      const secret = store.webhooks.ofUser(user.id).secretNonce ? undefined : newSecret(user);
      req.log.info({ user: user.name }, 'default webhook set');
      return describe(user, secret);
    },
  );

  app.delete<{ Reply: UserWebhookBody }>(
    '/api/v1/user/webhook',
    { schema: { tags: ['webhooks'], summary: 'Remove your default webhook (your signing secret stays, for the webhooks jobs name)', response: { 200: def('UserWebhook'), ...errors(401) } } },
    async (req) => {
      const user = requireUser(req);
      store.webhooks.setUserDefault(user.id, null, ['completed']);
      return describe(user);
    },
  );

  app.post<{ Reply: WebhookSecret }>(
    '/api/v1/user/webhook/secret',
    { schema: { tags: ['webhooks'], summary: 'Make a new signing secret, shown once; deliveries are signed with it from now on', response: { 200: def('WebhookSecret'), ...errors(401) } } },
    async (req) => {
      const user = requireUser(req);
      req.log.info({ user: user.name }, 'webhook signing secret made');
      return { secret: newSecret(user) };
    },
  );

  app.get<{ Params: { id: string }; Reply: WebhookDeliveryList }>(
    '/api/v1/jobs/:id/webhooks',
    { schema: { tags: ['webhooks'], summary: "The job's webhook and its deliveries, each attempt with its time, status code or error, and duration", params: jobIdParams, response: { 200: def('WebhookDeliveryList'), ...errors(401, 404) } } },
    async (req) => {
      const job = visibleJob(store, req.params.id, requireUser(req));
      const hook = store.webhooks.ofJob(job.id);
      return {
        url: hook?.url ?? null,
        events: hook?.events ?? [],
        deliveries: store.webhooks.deliveriesOf(job.id).map((d) => ({
          id: d.id,
          event: d.event,
          state: d.state,
          created_at: d.createdAt,
          attempts: store.webhooks.attemptsOf(d.id).map((a) => ({ at: a.at, status_code: a.statusCode, error: a.error, duration_ms: a.durationMs })),
        })),
      };
    },
  );
}
