// The runner host's copies of registry images. A job whose image is named by digest
// (<registry>/allgo/<app>@sha256:…) pulls it on first use, saying so in its log; later jobs
// reuse the local copy. Under a disk budget, the least recently used images go first, never
// one a job holds a lease on (and Docker itself refuses to remove one a container uses).
// Last use is kept in memory: after a restart, images not used since go first, oldest first.
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { isPinnedImage, type RegistryAuth } from '../common/registry.js';
import { followProgress, dockerMessage } from '../common/docker-progress.js';

/** The registry refused the image, or the engine could not fetch it. */
export class PullFailedError extends Error {
  override name = 'PullFailedError';
}

/** The job was cancelled before its image arrived. */
export class PullCancelledError extends Error {
  override name = 'PullCancelledError';
}

export interface ImageCacheOptions {
  /** Most bytes of registry images to keep; null: no limit. */
  budgetBytes: number | null;
  auth?: RegistryAuth;
  log: Logger;
}

export interface ImageLease {
  /** Makes the image present (pulling it if needed, `say` telling the job's log). */
  ready(say: (line: string) => Promise<void>, signal: AbortSignal): Promise<void>;
  release(): void;
}

const MB = 1024 * 1024;
const NO_LEASE: ImageLease = { ready: async () => undefined, release: () => undefined };

export class ImageCache {
  private readonly leases = new Map<string, number>();
  private readonly lastUsed = new Map<string, number>();
  private readonly pulls = new Map<string, Promise<void>>();
  /** Evictions run one at a time, so two never count the same image twice. */
  private evicting: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly docker: Docker,
    private readonly opts: ImageCacheOptions,
  ) {}

  /** Held from before the pull until the job's end; local image ids need nothing. */
  lease(image: string, bytes?: number): ImageLease {
    if (!isPinnedImage(image)) return NO_LEASE;
    this.leases.set(image, (this.leases.get(image) ?? 0) + 1);
    this.touch(image);
    let released = false;
    return {
      ready: (say, signal) => this.ensure(image, bytes, say, signal),
      release: () => {
        if (released) return;
        released = true;
        const n = (this.leases.get(image) ?? 1) - 1;
        if (n > 0) this.leases.set(image, n);
        else this.leases.delete(image);
        this.touch(image);
      },
    };
  }

  private touch(image: string): void {
    this.lastUsed.set(image, Date.now());
  }

  private async ensure(image: string, bytes: number | undefined, say: (line: string) => Promise<void>, signal: AbortSignal): Promise<void> {
    if (await this.present(image)) return;
    let pull = this.pulls.get(image);
    if (!pull) {
      // Shared by every job that needs the image meanwhile, so one job's cancel does not stop it.
      pull = this.pull(image, bytes).finally(() => this.pulls.delete(image));
      this.pulls.set(image, pull);
    }
    // A job that waits for another job's pull of the same image says so too.
    await say(`[allgo] pulling image ${image} (${bytes !== undefined ? `${Math.max(1, Math.round(bytes / MB))} MB` : 'size unknown'})\n`);
    await Promise.race([pull, aborted(signal)]);
  }

  private async present(image: string): Promise<boolean> {
    try {
      await this.docker.getImage(image).inspect();
      return true;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return false;
      throw err;
    }
  }

  private async pull(image: string, bytes: number | undefined): Promise<void> {
    await this.evict(bytes ?? 0);
    const started = Date.now();
    let failure: string | undefined;
    try {
      // The engine wants an X-Registry-Auth header even for an open registry: an empty one.
      failure = await followProgress(this.docker, await this.docker.pull(image, { authconfig: this.opts.auth ?? {} }));
    } catch (err) {
      failure = dockerMessage(err);
    }
    if (failure) throw new PullFailedError(`could not pull the image ${image}: ${failure}`);
    if (!(await this.present(image))) throw new PullFailedError(`could not pull the image ${image}: the engine does not have it after the pull`);
    this.touch(image);
    this.opts.log.info({ image, ms: Date.now() - started }, 'image pulled');
    await this.evict(0);
  }

  /** Drops least recently used registry images until `incoming` more bytes fit the budget. */
  evict(incoming: number): Promise<void> {
    const budget = this.opts.budgetBytes;
    if (budget === null) return Promise.resolve();
    const run = this.evicting.then(() => this.evictNow(budget, incoming));
    this.evicting = run.catch(() => undefined);
    return run.catch((err) => this.opts.log.warn({ err }, 'could not trim the image cache'));
  }

  private async evictNow(budget: number, incoming: number): Promise<void> {
    const images = (await this.docker.listImages()).map((i) => ({ id: i.Id, size: i.Size, created: i.Created, refs: (i.RepoDigests ?? []).filter(isPinnedImage) })).filter((i) => i.refs.length > 0);
    let total = images.reduce((sum, i) => sum + i.size, 0);
    const lastUse = (refs: string[]) => Math.max(0, ...refs.map((r) => this.lastUsed.get(r) ?? 0));
    const candidates = images
      .filter((i) => !i.refs.some((r) => this.leases.has(r)))
      .sort((a, b) => lastUse(a.refs) - lastUse(b.refs) || a.created - b.created);
    for (const image of candidates) {
      if (total + incoming <= budget) break;
      let removed = true;
      for (const ref of image.refs) {
        try {
          await this.docker.getImage(ref).remove();
          this.lastUsed.delete(ref);
        } catch (err) {
          // 409: a container (maybe another runner's) still uses it. 404: already gone.
          if ((err as { statusCode?: number }).statusCode !== 404) removed = false;
        }
      }
      if (!removed) continue;
      total -= image.size;
      this.opts.log.info({ refs: image.refs, mb: Math.round(image.size / MB) }, 'removed an image from the cache');
    }
  }
}

/** Rejects when the job is cancelled while it waits for the image. */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () => reject(new PullCancelledError('cancelled while its image was being pulled'));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}
