// A runner host killed mid-job (its runner, its engine, its containers) and started again: its
// engine, on the same data, marks the job's container exited with code 255, as a program that
// exits 255 would leave it. That once ended such jobs as the program's own failure ("exited with
// code 255"); the job is lost with its host's engine instead: started again when its queue
// allows, else ended naming the host. A program that exits 255 itself is still reported so,
// whether its runner watched it end or found it ended on coming back.
// Hosts (support/hosts.ts): a the server, Redis and the registry, b the builder, c the runner.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleetPlatform, baseImage, type FleetPlatform } from '../../support/fleet-platform.js';
import type { RoleProcess } from '../../support/processes.js';
import { fixtureRepo, push, removeRepos } from '../../support/git.js';
import { CONTAINER_LABELS } from '../../common/labels.js';
import { done, download } from '../helpers/fleet-jobs.js';

const CONFIG = `
queues:
  standard: {time_limit: 20m}
  retrying: {time_limit: 20m, retries: 1}
runner: {lock_duration: 2s, heartbeat: 1s, concurrency: 2}
`;
const LOST = 'runner host runner-c lost: its Docker engine stopped during the job';

let p: FleetPlatform;
let runner: RoleProcess;
const app = `probe-${Date.now().toString(36)}`;

beforeAll(async () => {
  p = await startFleetPlatform({ hosts: [{ name: 'b', images: [baseImage()] }, { name: 'c' }], configYaml: CONFIG });
  await p.builder('b');
  runner = await p.runner('c');
  const pushed = await push(fixtureRepo('probe'), p.url, app, 'admin', p.adminToken);
  expect(pushed.code, pushed.output).toBe(0);
});
afterAll(async () => {
  await p?.close();
  removeRepos();
});

const log = async (id: number): Promise<string> => (await p.api(`/api/v1/jobs/${id}/log`, { token: p.adminToken })).text();
const began = (id: number) => expect.poll(async () => (await log(id)).includes('begun'), { timeout: 90_000, message: `job ${id} never began` }).toBe(true);
/** The state of the job's container on c, as c's engine reports it. */
const containerState = async (id: number): Promise<string> =>
  (await p.fleet.host('c').docker(['ps', '-a', '--filter', `label=${CONTAINER_LABELS.job}=${id}`, '--format', '{{.State}}'])).stdout.trim();

/** A job running on c, then c killed whole and started again: its engine on the same data, a new runner. */
async function restartCMidJob(queue: string): Promise<number> {
  const id = await p.submit(app, `bash 'echo start >> starts.txt; echo begun; sleep 6; echo finished'`, { queue });
  await began(id);
  const c = p.fleet.host('c');
  await c.kill();
  await expect.poll(() => runner.child.exitCode ?? runner.child.signalCode, { timeout: 10_000, message: 'c\'s runner outlived its host' }).not.toBeNull();
  await c.startEngine();
  // What the bug reported: the engine's own record of the container, ended with code 255.
  expect(await containerState(id)).toBe('exited');
  runner = await p.runner('c');
  return id;
}

describe('a runner host killed mid-job and started again', () => {
  it('starts the job again there when its queue allows a retry, instead of reporting exit code 255', async () => {
    const id = await restartCMidJob('retrying');
    const end = await done(p, id);
    expect(end).toMatchObject({ result: 'success', exit_code: 0 });
    expect(await p.progress(id, 'retrying')).toMatchObject({ host: 'runner-c', attempt: 2 });
    // The second attempt started from the job's inputs: what the first one wrote is gone.
    expect(await download(end, 'starts.txt')).toBe('start\n');
    expect(await (await p.api(`/api/v1/jobs/${id}/events`, { token: p.adminToken })).text()).toContain(`${LOST}; starting the job again on runner-c (attempt 2 of 2)`);
  });

  it(`ends the job as "${LOST}" when its queue allows none`, async () => {
    const id = await restartCMidJob('standard');
    const end = await done(p, id);
    expect(end).toMatchObject({ result: 'error', exit_code: null, message: LOST });
    expect(await download(end, 'allgo.log')).toMatch(new RegExp(`begun\\n[^]*\\[allgo\\] ${LOST}\\n$`));
    // The container of the lost attempt went with it.
    expect(await containerState(id)).toBe('');
  });
});

describe('a program that exits 255 itself', () => {
  it('is reported as exited with code 255 by the runner that watched it', async () => {
    const id = await p.submit(app, 'exit 255');
    expect(await done(p, id)).toMatchObject({ result: 'error', exit_code: 255, message: 'exited with code 255' });
  });

  it('is reported as exited with code 255 by a runner that finds it ended on coming back', async () => {
    const id = await p.submit(app, `bash 'echo begun; sleep 2; exit 255'`);
    await began(id);
    await runner.stop('SIGKILL');
    // It ends while no runner watches; the engine stays up and records its code.
    await expect.poll(() => containerState(id), { timeout: 30_000, message: 'the job\'s container never ended' }).toBe('exited');
    runner = await p.runner('c');
    expect(await done(p, id)).toMatchObject({ result: 'error', exit_code: 255, message: 'exited with code 255' });
  });
});
