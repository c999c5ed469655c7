// The server killed (SIGKILL) while sessions run, and started again on the same data dir: the
// ready session is found again and served, the one that was starting ends failed, and no
// container or network is left of it. The graceful close is webapp-restart.test.ts.
import { describe, expect, it, onTestFinished } from 'vitest';
import { rmSync } from 'node:fs';
import { pino } from 'pino';
import { loadConfig } from '../../common/config.js';
import { startRoles } from '../../cli/roles.js';
import { spawnRole, type RoleProcess } from '../../support/processes.js';
import { apiOf, platformEnv, removeImages, uniqueName } from '../helpers/platform.js';
import { expectSessionsRecovered, readyAndStartingSessions } from '../helpers/sessions.js';

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
    const sessions = await readyAndStartingSessions(p, e.url, token, { viewer, stuck }, token);

    await first.stop('SIGKILL');
    const second = server();
    await second.waitFor('listening on');
    await expectSessionsRecovered(p, e.url, sessions, token);
  });
});
