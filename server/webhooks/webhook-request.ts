// Which webhook a submission gets: the one it names (job[webhook], job[webhook_events]), else the
// user's default (PUT /api/v1/user/webhook), else none. Every URL is checked as a delivery would
// be (target-address.ts), so a refused target is refused now, with a 400 that says why.
import type { WebhookEvent } from '../../schemas/index.js';
import { WebhookError, WebhookSecretMissingError } from '../errors.js';
import type { Store } from '../store/index.js';
import { checkTarget, parseWebhookUrl, type TargetCheck } from './target-address.js';

const WEBHOOK_EVENTS: readonly WebhookEvent[] = ['start', 'progress', 'completed'];
const DEFAULT_EVENTS: readonly WebhookEvent[] = ['completed'];

/** What a submission asked: a URL, and the events as text ("start,completed") or a list. */
export interface WebhookAsk {
  url?: string;
  events?: string | string[];
}

/** Events as asked, checked and in their order (start, progress, completed); the default when none are named. */
export function parseEvents(asked: string | readonly string[] | undefined): WebhookEvent[] {
  if (asked === undefined) return [...DEFAULT_EVENTS];
  const names = (typeof asked === 'string' ? asked.split(',') : asked).map((e) => String(e).trim()).filter(Boolean);
  if (names.length === 0) return [...DEFAULT_EVENTS];
  const unknown = names.find((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
  if (unknown !== undefined) throw new WebhookError('unknown_webhook_event', `unknown webhook event ${JSON.stringify(unknown.slice(0, 40))}: use start, progress and/or completed`);
  return WEBHOOK_EVENTS.filter((e) => names.includes(e));
}

/** A URL and events, checked as a delivery would check them. */
export async function checkWebhook(url: string, events: string | readonly string[] | undefined, check: TargetCheck): Promise<{ url: string; events: WebhookEvent[] }> {
  const parsed = parseWebhookUrl(url);
  const checked = parseEvents(events);
  await checkTarget(parsed, check);
  return { url: parsed.href, events: checked };
}

/** The job's webhook, or null; throws a WebhookError for a bad one, and refuses one the user cannot verify (no secret yet). */
export async function resolveJobWebhook(store: Store, userId: number, ask: WebhookAsk, check: TargetCheck): Promise<{ url: string; events: WebhookEvent[] } | null> {
  const own = store.webhooks.ofUser(userId);
  const url = ask.url || own.url;
  if (!url) {
    if (ask.events !== undefined) throw new WebhookError('bad_webhook_url', 'job[webhook_events] needs a webhook: give job[webhook] too, or register a default one (PUT /api/v1/user/webhook)');
    return null;
  }
  const hook = await checkWebhook(url, ask.events ?? (ask.url ? undefined : own.events), check);
  if (!own.secretNonce) throw new WebhookSecretMissingError();
  return hook;
}
