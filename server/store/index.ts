import { openDb, type Db } from './db.js';
import { UserStore } from './users.js';
import { AppStore } from './apps.js';
import { VersionStore } from './versions.js';
import { ReleaseStore } from './releases.js';
import { JobProgressStore } from './job-progress.js';
import { QueueHistory } from './queue-history.js';
import { JobStore } from './jobs.js';
import { RunnerTokenStore } from './runner-tokens.js';
import { JobStats } from './job-stats.js';
import { UserUsage } from './user-usage.js';
import { AdminStats } from './admin-stats.js';
import { SessionStore } from './sessions.js';
import { WebhookStore } from './webhooks.js';
import { OtherCommits } from './other-commits.js';
import { CatalogChanges } from './catalog-changes.js';

export interface Store {
  db: Db;
  users: UserStore;
  apps: AppStore;
  versions: VersionStore;
  /** Default-version pointers and their history. */
  releases: ReleaseStore;
  jobs: JobStore;
  /** Running jobs' latest reported progress. */
  progress: JobProgressStore;
  /** Queues' recent run times, for waiting jobs' estimated starts. */
  queueHistory: QueueHistory;
  runnerTokens: RunnerTokenStore;
  /** Aggregates for /metrics. */
  jobStats: JobStats;
  /** Per-user counts for fair shares and limits. */
  usage: UserUsage;
  /** Failures and rankings for the admin overview. */
  adminStats: AdminStats;
  /** Webapp sessions. */
  sessions: SessionStore;
  /** Jobs' and users' webhooks, their deliveries and attempts. */
  webhooks: WebhookStore;
  /** The apps whose catalog entry changed, for the catalog's rebuilds. */
  catalogChanges: CatalogChanges;
  close(): void;
}

export function openStore(file: string): Store {
  const db = openDb(file);
  // One watch for both read caches: a single data_version read per turn serves them.
  const commits = new OtherCommits(db);
  return {
    db,
    users: new UserStore(db, commits),
    apps: new AppStore(db),
    versions: new VersionStore(db),
    releases: new ReleaseStore(db),
    jobs: new JobStore(db, commits),
    progress: new JobProgressStore(db),
    queueHistory: new QueueHistory(db),
    runnerTokens: new RunnerTokenStore(db),
    jobStats: new JobStats(db),
    usage: new UserUsage(db),
    adminStats: new AdminStats(db),
    sessions: new SessionStore(db),
    webhooks: new WebhookStore(db),
    catalogChanges: new CatalogChanges(db),
    close: () => db.close(),
  };
}

export type { User } from './users.js';
export type { App } from './apps.js';
export type { Version } from './versions.js';
export type { Job } from './jobs.js';
export type { Session } from './sessions.js';
