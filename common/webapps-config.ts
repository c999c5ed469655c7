// The config's `webapps` section with its defaults: session caps, routing and the proxy's limits.
import type { AllgoConfigFile } from '../schemas/index.js';
import { parseDuration } from './duration.js';

export interface WebappsConfig {
  /** Sessions starting or ready at once, platform-wide and per user. */
  maxSessions: number;
  perUser: number;
  /** Sessions are also routed at ID.<domain>; null: by path only. */
  domain: string | null;
  startTimeoutMs: number;
  proxyTimeoutMs: number;
  bodyLimitBytes: number;
  sweepMs: number;
  /** A proxied WebSocket silent both ways this long is closed. */
  wsIdleMs: number;
}

export function readWebapps(file: AllgoConfigFile['webapps']): Readonly<WebappsConfig> {
  return Object.freeze({
    maxSessions: file?.max_sessions ?? 20,
    perUser: file?.per_user ?? 2,
    domain: file?.domain?.toLowerCase() ?? null,
    startTimeoutMs: parseDuration(file?.start_timeout ?? '2m'),
    proxyTimeoutMs: parseDuration(file?.proxy_timeout ?? '60s'),
    bodyLimitBytes: Math.round((file?.body_mb ?? 10) * 1024 * 1024),
    sweepMs: parseDuration(file?.sweep ?? '5s'),
    wsIdleMs: parseDuration(file?.ws_idle_timeout ?? '10m'),
  });
}
