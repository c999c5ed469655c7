// Where a push goes when its app has no repository yet: one staged repository per name, shared
// by the pushes in flight to that name (a first push still building, a branch pushed beside it).
// When the last of them ends, the staged repository becomes the app's if a push was accepted
// into it, and is removed otherwise.
import { KeyedLock } from '../keyed-lock.js';
import type { Repos } from './repos.js';

export interface Target {
  repo: string;
  /** Call once the push is over. */
  leave(): Promise<void>;
}

export class Staging {
  private readonly lock = new KeyedLock();
  private readonly inFlight = new Map<string, { repo: string; pushes: number }>();

  /** `appExists` is asked when the last push ends: a staged repository is kept only for an app. */
  constructor(
    private readonly repos: Repos,
    private readonly appExists: (app: string) => boolean,
  ) {}

  /** The repository a push to `app` goes to: the app's own if it exists, else the staged one. */
  async join(app: string): Promise<Target> {
    const release = await this.lock.acquire(app);
    try {
      if (this.repos.exists(app)) return { repo: await this.repos.open(app), leave: async () => undefined };
      let staged = this.inFlight.get(app);
      if (!staged) {
        staged = { repo: await this.repos.stage(), pushes: 0 };
        this.inFlight.set(app, staged);
      }
      staged.pushes++;
      const { repo } = staged;
      return { repo, leave: () => this.leave(app, repo) };
    } finally {
      release();
    }
  }

  /** A staged repository for one push, removed when it ends whatever happened. */
  async alone(): Promise<Target> {
    const repo = await this.repos.stage();
    return { repo, leave: async () => void (await this.repos.settle(repo, null)) };
  }

  private async leave(app: string, repo: string): Promise<void> {
    const release = await this.lock.acquire(app);
    try {
      const staged = this.inFlight.get(app);
      if (!staged || staged.repo !== repo || --staged.pushes > 0) return;
      this.inFlight.delete(app);
      await this.repos.settle(repo, this.appExists(app) ? app : null);
    } finally {
      release();
    }
  }
}
