// The runner's image cache, against a fake engine (what is tested is the cache's choices):
// pull on first use with one line in the job's log, reuse afterwards, one pull for jobs that
// need the image at once, and least recently used images dropped under the budget, never one
// a job holds.
import { describe, it, expect } from 'vitest';
import { pino } from 'pino';
import type Docker from 'dockerode';
import { ImageCache, PullFailedError } from '../../runner/image-cache.js';

const MB = 1024 * 1024;
const REPO = 'r.example:5000/allgo';
const ref = (app: string, n = 1) => `${REPO}/${app}@sha256:${String(n).repeat(64)}`;

class FakeEngine {
  images = new Map<string, { size: number; created: number }>();
  pulls: string[] = [];
  removed: string[] = [];
  inUseByContainers = new Set<string>();
  failPull: string | null = null;
  pullGate: Promise<void> = Promise.resolve();

  asDocker(): Docker {
    return {
      getImage: (name: string) => ({
        inspect: async () => {
          if (!this.images.has(name)) throw Object.assign(new Error('no such image'), { statusCode: 404 });
          return {};
        },
        remove: async () => {
          if (this.inUseByContainers.has(name)) throw Object.assign(new Error('conflict'), { statusCode: 409 });
          this.images.delete(name);
          this.removed.push(name);
        },
      }),
      listImages: async () => [...this.images].map(([name, i]) => ({ Id: `id-${name}`, Size: i.size, Created: i.created, RepoDigests: [name] })),
      pull: async (name: string) => {
        this.pulls.push(name);
        await this.pullGate;
        if (this.failPull) throw Object.assign(new Error(`(HTTP code 500) server error - ${this.failPull}`), { statusCode: 500 });
        this.images.set(name, { size: 100 * MB, created: this.images.size });
        return {};
      },
      modem: { followProgress: (_s: unknown, done: (err: Error | null) => void) => done(null) },
    } as unknown as Docker;
  }
}

const cache = (engine: FakeEngine, budgetMb: number | null = null) => new ImageCache(engine.asDocker(), { budgetBytes: budgetMb === null ? null : budgetMb * MB, log: pino({ level: 'silent' }) });

async function run(c: ImageCache, image: string, bytes = 100 * MB): Promise<string[]> {
  const said: string[] = [];
  const lease = c.lease(image, bytes);
  try {
    await lease.ready(async (l) => void said.push(l), new AbortController().signal);
  } finally {
    lease.release();
  }
  return said;
}

describe('image cache', () => {
  it('pulls a registry image on first use, with its size in the job log, and reuses it after', async () => {
    const engine = new FakeEngine();
    const c = cache(engine);
    expect(await run(c, ref('hello'), 123 * MB)).toEqual([`[allgo] pulling image ${ref('hello')} (123 MB)\n`]);
    expect(await run(c, ref('hello'))).toEqual([]);
    expect(engine.pulls).toEqual([ref('hello')]);
  });

  it('does nothing for a local image id (one host, no registry)', async () => {
    const engine = new FakeEngine();
    expect(await run(cache(engine), `sha256:${'a'.repeat(64)}`)).toEqual([]);
    expect(engine.pulls).toEqual([]);
  });

  it('pulls once for jobs that need the same image at once; each says it waits for it', async () => {
    const engine = new FakeEngine();
    let open!: () => void;
    engine.pullGate = new Promise((r) => (open = r));
    const c = cache(engine);
    const both = Promise.all([run(c, ref('hello')), run(c, ref('hello'))]);
    await new Promise((r) => setTimeout(r, 20));
    open();
    const [a, b] = await both;
    expect(a).toHaveLength(1);
    expect(b).toHaveLength(1);
    expect(engine.pulls).toHaveLength(1);
  });

  it('under a budget drops the least recently used images first, never one a job holds', async () => {
    const engine = new FakeEngine();
    const c = cache(engine, 250);
    await run(c, ref('a'));
    await run(c, ref('b'));
    const held = c.lease(ref('a'));
    await held.ready(async () => undefined, new AbortController().signal);
    // a is the oldest but held; b goes to make room for c.
    await run(c, ref('c'));
    expect(engine.removed).toEqual([ref('b')]);
    held.release();
    await run(c, ref('c'));
    await run(c, ref('d'));
    // a is now the least recently used.
    expect(engine.removed).toEqual([ref('b'), ref('a')]);
    expect([...engine.images.keys()].sort()).toEqual([ref('c'), ref('d')]);
  });

  it('skips an image a container still uses (the engine refuses) and drops the next one', async () => {
    const engine = new FakeEngine();
    const c = cache(engine, 250);
    await run(c, ref('a'));
    await run(c, ref('b'));
    engine.inUseByContainers.add(ref('a'));
    await run(c, ref('c'));
    expect(engine.removed).toEqual([ref('b')]);
  });

  it('fails the job with the engine\'s reason when the pull fails', async () => {
    const engine = new FakeEngine();
    engine.failPull = 'unauthorized: authentication required';
    const err = await run(cache(engine), ref('hello')).catch((e) => e);
    expect(err).toBeInstanceOf(PullFailedError);
    expect((err as Error).message).toBe(`could not pull the image ${ref('hello')}: unauthorized: authentication required`);
  });
});
