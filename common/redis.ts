import { Redis, type RedisOptions } from 'ioredis';

/**
 * A new connection. BullMQ workers need maxRetriesPerRequest: null (they block on Redis);
 * every role makes its own connections so none is shared across concerns.
 */
export function connectRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...extra });
}

export type { Redis };
