// One holder per key at a time; others wait in arrival order.
import { describe, it, expect } from 'vitest';
import { KeyedLock } from '../../server/keyed-lock.js';

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

describe('KeyedLock', () => {
  it('is not held before anyone acquires it', () => {
    expect(new KeyedLock().isHeld('app')).toBe(false);
  });

  it('is held by the first acquirer until it releases', async () => {
    const lock = new KeyedLock();
    const release = await lock.acquire('app');
    expect(lock.isHeld('app')).toBe(true);
    release();
    expect(lock.isHeld('app')).toBe(false);
  });

  it('makes a second acquirer of the same key wait until the first releases', async () => {
    const lock = new KeyedLock();
    const releaseFirst = await lock.acquire('app');
    let secondGotIt = false;
    const second = lock.acquire('app').then((release) => {
      secondGotIt = true;
      return release;
    });
    await settle();
    expect(secondGotIt).toBe(false);
    releaseFirst();
    const releaseSecond = await second;
    expect(secondGotIt).toBe(true);
    expect(lock.isHeld('app')).toBe(true);
    releaseSecond();
    expect(lock.isHeld('app')).toBe(false);
  });

  it('stays held while a waiter is queued, after the first holder releases', async () => {
    const lock = new KeyedLock();
    const releaseFirst = await lock.acquire('app');
    const second = lock.acquire('app');
    releaseFirst();
    expect(lock.isHeld('app')).toBe(true);
    (await second)();
    expect(lock.isHeld('app')).toBe(false);
  });

  it('does not make holders of different keys wait for each other', async () => {
    const lock = new KeyedLock();
    const releaseA = await lock.acquire('a');
    let bGotIt = false;
    const b = lock.acquire('b').then((release) => {
      bGotIt = true;
      return release;
    });
    await settle();
    expect(bGotIt).toBe(true);
    expect(lock.isHeld('a')).toBe(true);
    expect(lock.isHeld('b')).toBe(true);
    (await b)();
    expect(lock.isHeld('a')).toBe(true);
    expect(lock.isHeld('b')).toBe(false);
    releaseA();
  });

  it('serves waiters in arrival order, one at a time', async () => {
    const lock = new KeyedLock();
    const order: string[] = [];
    let inside = 0;
    const worker = async (name: string) => {
      const release = await lock.acquire('app');
      inside++;
      expect(inside).toBe(1);
      order.push(name);
      await settle();
      inside--;
      release();
    };
    await Promise.all(['first', 'second', 'third', 'fourth'].map(worker));
    expect(order).toEqual(['first', 'second', 'third', 'fourth']);
    expect(lock.isHeld('app')).toBe(false);
  });

  it('can be acquired again after everyone has released', async () => {
    const lock = new KeyedLock();
    (await lock.acquire('app'))();
    const release = await lock.acquire('app');
    expect(lock.isHeld('app')).toBe(true);
    release();
  });
});
