// A job's download key, the secret part of /datastore/<job>/<key>/<file>: whoever has the link
// has the files. The store never holds it: the key is derived from the server's secret (the
// data dir's `secret` file) and the job's random salt, so a copy of allgo.db alone opens no
// job's files. Jobs from before keep the sha256 of their old key (store migration 3), which
// is enough to check a link already shared and not enough to make one.
import { createHash, createHmac } from 'node:crypto';
import { safeEqual } from '../common/safe-equal.js';
import type { Job } from './store/index.js';

export class DownloadKeys {
  constructor(private readonly secret: string) {}

  /** 40 hex digits, as A||GO's links had. */
  keyFor(job: Pick<Job, 'id' | 'keySalt'>): string {
    return createHmac('sha256', this.secret).update(`datastore-key:${job.id}:${job.keySalt}`).digest('hex').slice(0, 40);
  }

  /** Compared in constant time, like every secret here. */
  matches(job: Pick<Job, 'id' | 'keySalt' | 'legacyKeyHash'>, key: string): boolean {
    const derived = safeEqual(key, this.keyFor(job));
    const legacy = job.legacyKeyHash !== null && safeEqual(createHash('sha256').update(key).digest('hex'), job.legacyKeyHash);
    return derived || legacy;
  }
}
