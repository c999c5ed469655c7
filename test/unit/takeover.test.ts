// decideTakeover with a container its engine's death ended (runner/engine-death.ts): the job is
// lost with its host's engine, never re-attached to that container, whose code 255 is the
// engine's and not the program's.
import { describe, expect, it } from 'vitest';
import { decideTakeover, type TakeoverFacts } from '../../runner/takeover.js';

const facts = (over: Partial<TakeoverFacts> = {}): TakeoverFacts => ({
  progress: { state: 'running', startedAt: '2026-01-01T00:00:00Z', runner: 'runner-c@c:1', host: 'runner-c', engine: 'E1', attempt: 1 },
  name: 'runner-c',
  engine: 'E1',
  container: { workdir: '/w/7-1/job', endedByEngine: true },
  liveEngines: new Set(['E1']),
  retries: 0,
  ...over,
});
const LOST = 'runner host runner-c lost: its Docker engine stopped during the job';

describe('decideTakeover, the job\'s container ended by its engine\'s death', () => {
  it('starts the job again here when the queue allows a retry', () => {
    expect(decideTakeover(facts({ retries: 1 }))).toEqual({ kind: 'retry', attempt: 2, note: `${LOST}; starting the job again on runner-c (attempt 2 of 2)` });
  });

  it('ends the job naming the host and its engine when the queue allows none', () => {
    expect(decideTakeover(facts())).toEqual({ kind: 'lost', attempt: 2, message: LOST });
  });

  it('still re-attaches to a container its program ended', () => {
    expect(decideTakeover(facts({ container: { workdir: '/w/7-1/job', endedByEngine: false } }))).toEqual({ kind: 'reattach', attempt: 1, workdir: '/w/7-1/job' });
  });
});

describe('decideTakeover, the job\'s Slurm job ended by its node\'s failure', () => {
  const NODE = 'Slurm node c12 failed during the job (NODE_FAIL, Slurm job 7)';
  const slurm = (over: Partial<TakeoverFacts> = {}) => facts({ engine: 'slurm:lab', progress: { state: 'running', startedAt: '2026-01-01T00:00:00Z', runner: 'runner-c@c:1', host: 'runner-c', engine: 'slurm:lab', attempt: 1 }, liveEngines: new Set(['slurm:lab']), container: { workdir: '/w/7-1/job', endedByEngine: true, lostWith: NODE }, ...over });

  it('starts the job again, naming the node, when the queue allows a retry (the rule of a Docker host lost)', () => {
    expect(decideTakeover(slurm({ retries: 1 }))).toEqual({ kind: 'retry', attempt: 2, note: `${NODE}; starting the job again on runner-c (attempt 2 of 2)` });
  });

  it('ends the job naming the node once its retries are used up', () => {
    expect(decideTakeover(slurm({ retries: 1, progress: { state: 'running', startedAt: '2026-01-01T00:00:00Z', runner: 'runner-c@c:1', host: 'runner-c', engine: 'slurm:lab', attempt: 2 } }))).toEqual({ kind: 'lost', attempt: 3, message: NODE });
    expect(decideTakeover(slurm())).toEqual({ kind: 'lost', attempt: 2, message: NODE });
  });
});
