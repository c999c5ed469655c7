// endedByEngineDeath on the states an engine leaves a job's container in. A container left
// `dead` (the engine died while it started it) once made the runner re-attach to it, and the
// job ended "the runner failed: (HTTP code 409) … can not get logs from container which is dead".
import { describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { endedByEngineDeath } from '../../runner/engine-death.js';

/** An engine that started at `startedAt` (its bridge network's creation) and has no socket file. */
const engine = (startedAt: string): Docker =>
  ({ modem: { socketPath: '/nonexistent/docker.sock' }, getNetwork: () => ({ inspect: async () => ({ Created: startedAt }) }) }) as unknown as Docker;

const container = (state: Partial<Docker.ContainerInspectInfo['State']>): Docker.ContainerInspectInfo =>
  ({ State: { Status: 'exited', Running: false, ExitCode: 0, StartedAt: '2026-01-01T10:00:00Z', ...state } }) as Docker.ContainerInspectInfo;

describe('endedByEngineDeath', () => {
  const restarted = engine('2026-01-01T11:00:00Z');

  it('takes a dead container for ended by its engine, whatever its code', async () => {
    expect(await endedByEngineDeath(restarted, container({ Status: 'dead', ExitCode: 0 }))).toBe(true);
    expect(await endedByEngineDeath(restarted, container({ Status: 'dead', ExitCode: 128, StartedAt: '0001-01-01T00:00:00Z' }))).toBe(true);
  });

  it('takes code 255 from before the engine last started for the engine\'s, and after it for the program\'s', async () => {
    expect(await endedByEngineDeath(restarted, container({ ExitCode: 255 }))).toBe(true);
    expect(await endedByEngineDeath(engine('2026-01-01T09:00:00Z'), container({ ExitCode: 255 }))).toBe(false);
  });

  it('leaves running, never-started and ordinarily ended containers to be re-attached to', async () => {
    expect(await endedByEngineDeath(restarted, container({ Status: 'running', Running: true }))).toBe(false);
    expect(await endedByEngineDeath(restarted, container({ Status: 'created', ExitCode: 255, StartedAt: '0001-01-01T00:00:00Z' }))).toBe(false);
    expect(await endedByEngineDeath(restarted, container({ ExitCode: 3 }))).toBe(false);
  });
});
