import { EventEmitter } from 'node:events';

/** In-process notices from the outcome recorder to whoever waits (a push, an SSE stream). */
export interface ServerEventMap {
  version: [versionId: number];
  job: [jobId: number];
  /** An app's default version moved, or one of its versions was yanked. */
  release: [appId: number];
}

export class ServerEvents extends EventEmitter<ServerEventMap> {
  constructor() {
    super();
    // Every waiting push and every open log stream listens: there can be many.
    this.setMaxListeners(0);
  }

  /** Resolves at the next notice about `id` of `kind`, or after `ms` (callers re-check the store). */
  next(kind: keyof ServerEventMap, id: number, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const onEvent = (got: number) => {
        if (got !== id) return;
        done();
      };
      const timer = setTimeout(() => done(), ms);
      const done = () => {
        clearTimeout(timer);
        this.off(kind, onEvent);
        resolve();
      };
      this.on(kind, onEvent);
    });
  }
}
