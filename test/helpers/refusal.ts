// The one way a unit test says "this input is refused": the error, checked for its class, to
// assert on; a call that returns instead fails the test.
import { expect } from 'vitest';

/** Any error class, whatever its constructor takes. */
type ErrorClass<E extends Error> = new (...args: any[]) => E;

/** The `type` error `fn` throws; fails the test if `fn` throws something else or returns. */
export function refusal<E extends Error>(fn: () => unknown, type: ErrorClass<E>, what = String(fn)): E {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(type);
    return err as E;
  }
  return expect.unreachable(`${what} was accepted`);
}
