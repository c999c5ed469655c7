// Runs the retention sweeper while the server is up (see ../retention.ts).
import fp from 'fastify-plugin';
import type { Logger } from 'pino';
import { RetentionSweeper } from '../retention.js';
import type { Store } from '../store/index.js';
import type { Datastore } from '../datastore.js';

export interface RetentionOptions {
  store: Store;
  datastore: Datastore;
  retentionMs: number;
  log: Logger;
}

export const retention = fp<RetentionOptions>(
  async (app, o) => {
    const sweeper = new RetentionSweeper(o.store, o.datastore, o.retentionMs, o.log);
    app.addHook('onReady', async () => sweeper.start());
    app.addHook('onClose', async () => sweeper.stop());
  },
  { name: 'allgo-retention', fastify: '5.x' },
);
