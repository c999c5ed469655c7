// The server killed (SIGKILL) while sessions run, and started again on the same data dir: the
// ready session is found again and served, the one that was starting ends failed, and no
// container or network is left of it. The graceful close is webapp-restart.test.ts.
import { describe, expect, it, onTestFinished } from 'vitest';
import { rmSync } from 'node:fs';
import { pino } from 'pino';
import { loadConfig } from '../../common/config.js';
import { startRoles } from '../../cli/roles.js';
import { spawnRole, type RoleProcess } from '../../support/processes.js';
import { editFile, exampleRepo, push } from '../helpers/git.js';
import { apiOf, platformEnv, removeImages, uniqueName } from '../helpers/platform.js';
import { sessionLeftovers, startSession, waitSession } from '../helpers/sessions.js';

describe('the server killed while sessions run', () => {
  it('finds the ready session again, ends the starting one, and leaves no orphan', async () => {
    const e = await platformEnv({ configYaml: 'webapps: {start_timeout: 5m, sweep: 200ms}\n' });
    const roles: RoleProcess[] = [];
    const server = () => {
      const r = spawnRole('server', e.env);
      roles.push(r);
      return r;
    };
    const viewer = uniqueName('viewer');
    const stuck = uniqueName('stuck');
    onTestFinished(async () => {
      await Promise.all(roles.map((r) => r.stop('SIGKILL').catch(() => undefined)));
      removeImages([viewer, stuck]);
      rmSync(e.dataDir, { recursive: true, force: true });
    });
    const p = { api: apiOf(e.url) };
    const token = e.adminToken;

    const first = server();
    await first.waitFor('listening on');
    // A builder beside it, for the pushes (it joins once the server is up).
    const builder = await startRoles(loadConfig(e.env), { server: false, builder: true, runner: false }, pino({ level: 'silent' }));
    onTestFinished(() => builder.close());
    expect((await push(exampleRepo('viewer'), e.url, viewer, 'admin', token)).code).toBe(0);
    const never = exampleRepo('viewer', (dir) => editFile(dir, 'allgo.yaml', (y) => y.replace('entrypoint: /usr/local/bin/viewer', 'entrypoint: sleep 600')));
    expect((await push(never, e.url, stuck, 'admin', token)).code).toBe(0);
    const ready = await startSession(p, viewer, token);
    expect((await waitSession(p, viewer, ready.id, token)).state).toBe('ready');
    const starting = await startSession(p, stuck, token);
    await expect.poll(() => sessionLeftovers(starting.id).length, { message: 'the starting session to have its container' }).toBe(2);

    await first.stop('SIGKILL');
    const second = server();
    await second.waitFor('listening on');
    expect((await waitSession(p, viewer, ready.id, token, ['starting'])).state).toBe('ready');
    const page = await fetch(`${e.url}/s/${ready.id}/`, { headers: { authorization: `Token ${token}` } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<h1>CSV viewer</h1>');
    expect(await waitSession(p, stuck, starting.id, token)).toMatchObject({ state: 'failed', reason: 'platform restart' });
    await expect.poll(() => sessionLeftovers(starting.id), { message: "the starting session's container and network to be gone" }).toEqual([]);

    await p.api(`/api/v1/apps/${viewer}/sessions/${ready.id}`, { method: 'DELETE', token });
    await expect.poll(() => sessionLeftovers(ready.id), { message: "the ready session's container and network to be gone" }).toEqual([]);
  });
});
