// Closing with a deadline (common/close.ts).
import { describe, it, expect, vi, afterEach } from 'vitest';
import { closeWorker, waitAtMost } from '../../common/close.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('waitAtMost', () => {
  it('says true when the work ends in time, and leaves no timer behind', async () => {
    vi.useFakeTimers();
    await expect(waitAtMost(Promise.resolve(), 10_000)).resolves.toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('says false once the time is up, though the work never ends', async () => {
    vi.useFakeTimers();
    const waited = waitAtMost(new Promise(() => undefined), 5000);
    await vi.advanceTimersByTimeAsync(5000);
    await expect(waited).resolves.toBe(false);
  });

  it('passes a rejection of the work on', async () => {
    await expect(waitAtMost(Promise.reject(new Error('broken')), 1000)).rejects.toThrow('broken');
  });
});

describe('closeWorker', () => {
  it('closes gracefully first, then forces, when the graceful close hangs past the grace', async () => {
    vi.useFakeTimers();
    const calls: (boolean | undefined)[] = [];
    const worker = { close: (force?: boolean) => (calls.push(force), force ? Promise.resolve() : new Promise<void>(() => undefined)) };
    const closing = closeWorker(worker, 10_000);
    await vi.advanceTimersByTimeAsync(10_000);
    await closing;
    expect(calls).toEqual([undefined, true]);
  });
});
