import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * The installation's id, shared by all its roles through Redis. It goes into job container
 * names and labels, so two allgo installations on one Docker engine never touch each
 * other's containers.
 */
export async function instanceId(redis: Redis, prefix: string): Promise<string> {
  const key = `${prefix}:instance`;
  await redis.set(key, randomBytes(4).toString('hex'), 'NX');
  const id = await redis.get(key);
  if (!id) throw new Error(`could not read ${key} from Redis`);
  return id;
}
