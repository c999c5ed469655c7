// The runner protocol (routes/runner-staging.ts) as one plugin: runners' hello and their
// jobs' staging, plumbing kept out of the API reference, with the upload folders it owns.
import fp from 'fastify-plugin';
import type { Config } from '../../common/config.js';
import { isFinishedJob } from '../../common/states.js';
import { packageVersion } from '../../common/version.js';
import type { Validators } from '../../schemas/index.js';
import type { Store } from '../store/index.js';
import type { Datastore } from '../datastore.js';
import type { ServerEvents } from '../events.js';
import type { Queues } from '../queues.js';
import { HeldJobs } from '../jobs/held-jobs.js';
import { Staging } from '../staging.js';
import { Signer } from '../signer.js';
import { runnerAuth } from '../runner-auth.js';
import { runnerStagingRoutes } from '../routes/runner-staging.js';
import { hideRoutes } from './route-index.js';

export interface RunnerApiOptions {
  config: Readonly<Config>;
  store: Store;
  datastore: Datastore;
  validators: Validators;
  events: ServerEvents;
  queues: Queues;
  /** Signs staging grants, and derives the token of the runners on this host. */
  secret: string;
}

export const runnerApi = fp<RunnerApiOptions>(
  async (app, o) => {
    hideRoutes(app);
    const staging = new Staging(o.config.dataDir, o.datastore, o.config);
    // Uploads of jobs that ended meanwhile (their runner host lost mid-upload) are dead.
    app.addHook('onReady', async () => staging.sweep((id) => isFinishedJob(o.store.jobs.byId(id)?.state ?? 'deleted')));
    const held = new HeldJobs(o.store, o.queues, o.config.userLimits);
    const onJob = (id: number) => void held.onJob(id).catch((err) => app.log.warn({ err, jobId: id }, 'could not put held jobs back in line'));
    o.events.on('job', onJob);
    app.addHook('onClose', async () => void o.events.off('job', onJob));
    await runnerStagingRoutes(app, {
      config: o.config,
      store: o.store,
      datastore: o.datastore,
      staging,
      signer: new Signer(o.secret),
      auth: runnerAuth(o.store.runnerTokens, o.secret),
      validators: o.validators,
      events: o.events,
      held,
      version: packageVersion(),
    });
  },
  // Encapsulated: its content-type parser and its runner-token hook stay its own.
  { name: 'allgo-runner-api', fastify: '5.x', encapsulate: true },
);
