// Webhooks as the store keeps them: users' defaults and signing-secret nonces, jobs' webhooks
// with what each has sent, and every delivery with its attempts (server/webhooks/).
import type { WebhookEvent } from '../../schemas/index.js';
import { type Db, now } from './db.js';

export interface UserWebhook {
  url: string | null;
  events: WebhookEvent[];
  secretNonce: string | null;
}

export interface JobWebhook {
  jobId: number;
  url: string;
  events: WebhookEvent[];
  /** The link base of the submission's request: the body's links are those its answer had. */
  linkBase: string;
  /** When the last progress delivery was queued (ms), and the progress it carried (its `at`). */
  progressSentMs: number | null;
  progressSentAt: string | null;
}

export type DeliveryState = 'pending' | 'delivered' | 'failed';

export interface Delivery {
  id: string;
  jobId: number;
  event: WebhookEvent;
  state: DeliveryState;
  body: string;
  createdAt: string;
}

export interface Attempt {
  at: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

const statements = (db: Db) => ({
  user: db.prepare('SELECT url, events, secret_nonce FROM user_webhooks WHERE user_id = ?'),
  setUser: db.prepare(
    `INSERT INTO user_webhooks (user_id, url, events, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (user_id) DO UPDATE SET url = excluded.url, events = excluded.events, updated_at = excluded.updated_at`,
  ),
  setNonce: db.prepare(
    `INSERT INTO user_webhooks (user_id, secret_nonce, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (user_id) DO UPDATE SET secret_nonce = excluded.secret_nonce, updated_at = excluded.updated_at`,
  ),
  setJob: db.prepare('INSERT INTO job_webhooks (job_id, url, events, link_base) VALUES (?, ?, ?, ?)'),
  job: db.prepare('SELECT * FROM job_webhooks WHERE job_id = ?'),
  claimStart: db.prepare('UPDATE job_webhooks SET start_sent = 1 WHERE job_id = ? AND start_sent = 0'),
  claimCompleted: db.prepare('UPDATE job_webhooks SET completed_sent = 1 WHERE job_id = ? AND completed_sent = 0'),
  // Jobs that ended with their `completed` unsent (the server was down, or starting): sent at start.
  // CROSS JOIN keeps job_webhooks outside, read by its partial index of the unsent: the planner
  // would otherwise walk every finished job by jobs_state.
  unsentCompleted: db.prepare(
    `SELECT job_webhooks.job_id FROM job_webhooks CROSS JOIN jobs ON jobs.id = job_webhooks.job_id
     WHERE job_webhooks.completed_sent = 0 AND jobs.state IN ('done', 'archived', 'deleted') AND job_webhooks.events LIKE '%"completed"%'`,
  ),
  claimProgress: db.prepare(
    `UPDATE job_webhooks SET progress_sent_ms = ?, progress_sent_at = ?
     WHERE job_id = ? AND (progress_sent_ms IS NULL OR progress_sent_ms <= ?) AND progress_sent_at IS NOT ? AND completed_sent = 0`,
  ),
  addDelivery: db.prepare("INSERT INTO webhook_deliveries (id, job_id, event, state, body, created_at) VALUES (?, ?, ?, 'pending', ?, ?)"),
  delivery: db.prepare('SELECT * FROM webhook_deliveries WHERE id = ?'),
  earlierPending: db.prepare(
    `SELECT 1 FROM webhook_deliveries AS e JOIN webhook_deliveries AS d ON d.id = ?
     WHERE e.job_id = d.job_id AND e.rowid < d.rowid AND e.state = 'pending' AND e.created_at > ? LIMIT 1`,
  ),
  setState: db.prepare('UPDATE webhook_deliveries SET state = ? WHERE id = ?'),
  deliveries: db.prepare('SELECT * FROM webhook_deliveries WHERE job_id = ? ORDER BY created_at, rowid'),
  addAttempt: db.prepare('INSERT INTO webhook_attempts (delivery_id, at, status_code, error, duration_ms) VALUES (?, ?, ?, ?, ?)'),
  attempts: db.prepare('SELECT at, status_code, error, duration_ms FROM webhook_attempts WHERE delivery_id = ? ORDER BY id'),
});

type JobRow = { job_id: number; url: string; events: string; link_base: string; progress_sent_ms: number | null; progress_sent_at: string | null };
type DeliveryRow = { id: string; job_id: number; event: WebhookEvent; state: DeliveryState; body: string; created_at: string };

const toDelivery = (r: DeliveryRow): Delivery => ({ id: r.id, jobId: r.job_id, event: r.event, state: r.state, body: r.body, createdAt: r.created_at });

export class WebhookStore {
  private readonly sql: ReturnType<typeof statements>;

  constructor(db: Db) {
    this.sql = statements(db);
  }

  ofUser(userId: number): UserWebhook {
    const r = this.sql.user.get(userId) as { url: string | null; events: string; secret_nonce: string | null } | undefined;
    return r ? { url: r.url, events: JSON.parse(r.events) as WebhookEvent[], secretNonce: r.secret_nonce } : { url: null, events: ['completed'], secretNonce: null };
  }

  /** `url` null: no default webhook (the secret stays). */
  setUserDefault(userId: number, url: string | null, events: readonly WebhookEvent[]): void {
    this.sql.setUser.run(userId, url, JSON.stringify(events), now());
  }

  setSecretNonce(userId: number, nonce: string): void {
    this.sql.setNonce.run(userId, nonce, now());
  }

  setForJob(jobId: number, url: string, events: readonly WebhookEvent[], linkBase: string): void {
    this.sql.setJob.run(jobId, url, JSON.stringify(events), linkBase);
  }

  ofJob(jobId: number): JobWebhook | null {
    const r = this.sql.job.get(jobId) as JobRow | undefined;
    return r ? { jobId: r.job_id, url: r.url, events: JSON.parse(r.events) as WebhookEvent[], linkBase: r.link_base, progressSentMs: r.progress_sent_ms, progressSentAt: r.progress_sent_at } : null;
  }

  /** Each event once: true for the one caller that claims it. */
  claimStart(jobId: number): boolean {
    return this.sql.claimStart.run(jobId).changes === 1;
  }

  unsentCompleted(): number[] {
    return (this.sql.unsentCompleted.all() as { job_id: number }[]).map((r) => r.job_id);
  }

  claimCompleted(jobId: number): boolean {
    return this.sql.claimCompleted.run(jobId).changes === 1;
  }

  /** A progress delivery, unless one went less than `gapMs` ago, or this progress (its `at`) went already. */
  claimProgress(jobId: number, progressAt: string, nowMs: number, gapMs: number): boolean {
    return this.sql.claimProgress.run(nowMs, progressAt, jobId, nowMs - gapMs, progressAt).changes === 1;
  }

  /** `createdAt`: when the event was due (a progress delivery's throttle counts from it). */
  addDelivery(id: string, jobId: number, event: WebhookEvent, body: string, createdAt: string = now()): void {
    this.sql.addDelivery.run(id, jobId, event, body, createdAt);
  }

  delivery(id: string): Delivery | null {
    const r = this.sql.delivery.get(id) as DeliveryRow | undefined;
    return r ? toDelivery(r) : null;
  }

  /** Whether an earlier delivery of the same job, made since `since`, is still being tried. */
  hasEarlierPending(id: string, since: string): boolean {
    return this.sql.earlierPending.get(id, since) !== undefined;
  }

  setDeliveryState(id: string, state: DeliveryState): void {
    this.sql.setState.run(state, id);
  }

  deliveriesOf(jobId: number): Delivery[] {
    return (this.sql.deliveries.all(jobId) as DeliveryRow[]).map(toDelivery);
  }

  addAttempt(deliveryId: string, a: Attempt): void {
    this.sql.addAttempt.run(deliveryId, a.at, a.statusCode, a.error, a.durationMs);
  }

  attemptsOf(deliveryId: string): Attempt[] {
    return (this.sql.attempts.all(deliveryId) as { at: string; status_code: number | null; error: string | null; duration_ms: number }[]).map((r) => ({ at: r.at, statusCode: r.status_code, error: r.error, durationMs: r.duration_ms }));
  }
}
