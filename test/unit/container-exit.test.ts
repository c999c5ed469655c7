// containerExit when the engine's answer to `wait` never comes (an engine killed while the job
// ran: docker-modem then never settles the call), when it comes, and when the engine stays away.
// Once such jobs stayed `running` for good, their claim renewed by a runner that waited forever.
import { describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { containerExit } from '../../runner/container-exit.js';

const FAST = { checkMs: 10, awayMs: 200 };
const never = () => new Promise<never>(() => undefined);

/** A container whose wait answers as `wait` says, and whose inspect gives each state of `states` in turn (the last for good). */
function container(wait: () => Promise<unknown>, states: (Partial<Docker.ContainerInspectInfo['State']> | Error)[]): Docker.Container {
  let i = 0;
  return {
    wait,
    inspect: async () => {
      const s = states[Math.min(i++, states.length - 1)];
      if (s instanceof Error) throw s;
      return { State: { Running: false, Status: 'exited', ...s } };
    },
  } as unknown as Docker.Container;
}

describe('containerExit', () => {
  it('answers as wait does when wait answers', async () => {
    expect(await containerExit(container(async () => ({ StatusCode: 0 }), [{ Running: true, Status: 'running' }]), new AbortController().signal, FAST)).toBeNull();
    const refused = Object.assign(new Error('(HTTP code 500) server error - socket hang up'), { statusCode: 500 });
    expect(await containerExit(container(() => Promise.reject(refused), [{ Running: true }]), new AbortController().signal, FAST)).toBe('socket hang up');
  });

  it('ends a wait whose answer never comes once the container is seen stopped', async () => {
    const c = container(never, [{ Running: true, Status: 'running' }, { Running: true, Status: 'running' }, { Status: 'exited' }]);
    expect(await containerExit(c, new AbortController().signal, FAST)).toBe('its answer to the wait for the container was cut off');
  });

  it('ends it when the container is gone, or the engine stays away', async () => {
    const gone = Object.assign(new Error('no such container'), { statusCode: 404 });
    expect(await containerExit(container(never, [gone]), new AbortController().signal, FAST)).toBe('its container is gone');
    expect(await containerExit(container(never, [new Error('connect ECONNREFUSED')]), new AbortController().signal, FAST)).toBe('the engine did not answer for 0 s');
  });

  it('keeps waiting while the container runs, and stops looking once told', async () => {
    const stop = new AbortController();
    const c = container(never, [{ Running: true, Status: 'running' }]);
    const ended = containerExit(c, stop.signal, FAST);
    const early = await Promise.race([ended, new Promise((r) => setTimeout(() => r('still waiting'), 100))]);
    expect(early).toBe('still waiting');
    stop.abort();
    expect(await ended).toBe('no longer watched');
  });
});
