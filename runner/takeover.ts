// What a runner does with a job it has just taken: a job seen before (its progress says
// `running`) was started by a runner that lost its claim. Its container lives on that
// runner's Docker engine, so only a runner on the same engine can re-attach. One on another
// engine leaves the job to that engine while a runner there is alive, and otherwise takes
// the host for lost: it starts the job again if the queue allows, or ends it. A container on
// this engine that the engine's own death ended (engine-death.ts) is as lost as its host.
import type { RunProgress } from '../schemas/index.js';

export type Takeover =
  | { kind: 'fresh'; attempt: number }
  | { kind: 'reattach'; attempt: number; workdir: string }
  | { kind: 'defer' }
  | { kind: 'retry'; attempt: number; note: string }
  | { kind: 'lost'; attempt: number; message: string };

export interface TakeoverFacts {
  progress: RunProgress | null;
  /** This runner's name and Docker engine. */
  name: string;
  engine: string;
  /** The job's container on this engine, the folder it has as /job, and whether its engine's death ended it. */
  container: { workdir: string | null; endedByEngine?: boolean; lostWith?: string } | null;
  /** Engines on which a live runner serves the job's queue. */
  liveEngines: ReadonlySet<string>;
  retries: number;
}

export function decideTakeover(f: TakeoverFacts): Takeover {
  const p = f.progress;
  if (p?.state !== 'running') return { kind: 'fresh', attempt: 1 };
  const attempt = p.attempt ?? 1;
  // Progress written before runners recorded their engine came from a single-host install.
  const sameEngine = !p.engine || p.engine === f.engine;
  const otherHost = p.host && p.host !== f.name ? p.host : null;
  const engineDied = sameEngine && !!f.container?.endedByEngine;
  if (sameEngine && f.container?.workdir && !engineDied) return { kind: 'reattach', attempt, workdir: f.container.workdir };
  if (!sameEngine && f.liveEngines.has(p.engine!)) return { kind: 'defer' };
  const lost = engineDied
    ? (f.container?.lostWith ?? `runner host ${p.host ?? f.name} lost: its Docker engine stopped during the job`)
    : otherHost || !sameEngine
      ? `runner host ${otherHost ?? p.host ?? 'unknown'} lost`
      : 'runner lost: the runner that ran this job stopped, and its container is not on this host';
  if (attempt <= f.retries) {
    return { kind: 'retry', attempt: attempt + 1, note: `${lost}; starting the job again on ${f.name} (attempt ${attempt + 1} of ${f.retries + 1})` };
  }
  return { kind: 'lost', attempt: attempt + 1, message: lost };
}

export const progressOf = (job: { progress: unknown }): RunProgress | null =>
  typeof job.progress === 'object' && job.progress !== null ? (job.progress as RunProgress) : null;
