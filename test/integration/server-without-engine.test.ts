// A server whose host has no Docker engine (its jobs run on runner hosts, its builds on a
// builder host) starts and answers: what it would look for on an engine at start (webapp
// sessions to find again) waits for one. The hosts suite's server on host a runs so.
import { describe, expect, it, onTestFinished } from 'vitest';
import { rmSync } from 'node:fs';
import { spawnRole } from '../../support/processes.js';
import { platformEnv } from '../helpers/platform.js';

describe('a server with no Docker engine', () => {
  it('starts, says why it looked for no session, and answers the API', async () => {
    const e = await platformEnv();
    const server = spawnRole('server', { ...e.env, DOCKER_HOST: `unix://${e.dataDir}/no-docker.sock`, LOG_LEVEL: 'info' });
    onTestFinished(async () => {
      await server.stop('SIGKILL');
      rmSync(e.dataDir, { recursive: true, force: true });
    });
    await server.waitFor('listening on');
    expect(server.output()).toContain('webapp sessions were not looked for: the Docker engine does not answer');
    const res = await fetch(`${e.url}/api/v1/user`, { headers: { authorization: `Token token=${e.adminToken}` } });
    expect(res.status).toBe(200);
  });
});
