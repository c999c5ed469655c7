import { Redis, type RedisOptions } from 'ioredis';

/**
 * A new connection. BullMQ workers need maxRetriesPerRequest: null (they block on Redis);
 * every role makes its own connections so none is shared across concerns.
 */
export function connectRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...extra });
}

export type { Redis };

/** The URL with its password hidden, for messages and logs. */
const redactRedisUrl = (url: string): string => url.replace(/^(rediss?:\/\/[^:@/]*:)[^@/]*@/, '$1***@');

/**
 * Fails with one line when Redis does not answer within `ms`: unreachable, or refusing the
 * password (the error ioredis last reported says which).
 */
export async function checkRedis(redis: Redis, url: string, ms = 5000): Promise<void> {
  let last = '';
  const onError = (err: Error) => (last = err.message);
  redis.on('error', onError);
  try {
    await Promise.race([redis.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error(last || `no answer in ${ms / 1000} s`)), ms))]);
  } catch (err) {
    throw new Error(`cannot use Redis at ${redactRedisUrl(url)}: ${last || (err as Error).message}`);
  } finally {
    redis.off('error', onError);
  }
}
