import { timingSafeEqual } from 'node:crypto';

/** Constant-time comparison of two secrets; false (never a throw) when lengths differ. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
