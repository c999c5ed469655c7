// Jobs' webhooks on the server: the deliveries' queue and worker, and the trigger that sends
// each event when it is due. Started and closed with the server (build-server.ts).
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../../common/config.js';
import type { Store } from '../store/index.js';
import type { ServerEvents } from '../events.js';
import type { Datastore } from '../datastore.js';
import type { DownloadKeys } from '../download-keys.js';
import { jobStatus } from '../routes/job-bodies.js';
import { jobStatusSerializer } from '../routes/job-status-serializer.js';
import { WebhookDeliveries, type DeliveryOptions } from './deliveries.js';
import { WebhookTrigger } from './webhook-trigger.js';

export interface WebhooksDeps {
  config: Readonly<Config>;
  store: Store;
  events: ServerEvents;
  datastore: Datastore;
  keys: DownloadKeys;
  connection: Redis;
  workerConnection: Redis;
  secret: string;
  log: Logger;
  options?: Partial<DeliveryOptions>;
}

export async function startWebhooks(deps: WebhooksDeps): Promise<{ close(): Promise<void> }> {
  const { store, datastore, keys } = deps;
  const serialize = jobStatusSerializer();
  const deliveries = new WebhookDeliveries({
    store,
    connection: deps.connection,
    workerConnection: deps.workerConnection,
    prefix: deps.config.redisPrefix,
    check: { allowPrivate: deps.config.webhooks.allowPrivate },
    secret: deps.secret,
    // The same bytes GET /api/v1/jobs/N answers with, to a request made at the submission's address.
    answer: async (job, linkBase) => serialize(jobStatus({ publicUrl: linkBase }, job, keys.keyFor(job), await datastore.filesOf(job), null, store.progress.get(job.id))),
    log: deps.log,
    ...(deps.options ? { options: deps.options } : {}),
  });
  const trigger = new WebhookTrigger({ store, events: deps.events, deliveries, log: deps.log });
  try {
    await trigger.start();
  } catch (err) {
    trigger.close();
    await deliveries.close();
    throw err;
  }
  return {
    async close() {
      trigger.close();
      await deliveries.close();
    },
  };
}
