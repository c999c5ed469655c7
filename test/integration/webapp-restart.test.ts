// A platform restart with sessions running: a ready session whose container still runs is
// found again, its host fence put back, and served by the new server; one still starting is ended, and no container or
// network is left of it.
import { describe, expect, it } from 'vitest';
import { startPlatform } from '../helpers/platform.js';
import { exampleRepo, editFile, push } from '../helpers/git.js';
import { execFileSync } from 'node:child_process';
import { sessionLeftovers, sessionNetwork, startSession, waitSession } from '../helpers/sessions.js';

describe('webapp sessions across a platform restart', () => {
  it('finds the ready session again and ends the one that was starting, leaving no orphan', async () => {
    const first = await startPlatform({ configYaml: 'webapps: {start_timeout: 5m, sweep: 200ms}\n' });
    let second: Awaited<ReturnType<typeof startPlatform>> | null = null;
    try {
      const token = await first.addUser(`restart-${Date.now()}`);
      const viewer = first.appName('viewer');
      const stuck = first.appName('stuck');
      expect((await push(exampleRepo('viewer'), first.url, viewer, 'admin', first.adminToken)).code).toBe(0);
      const never = exampleRepo('viewer', (dir) => editFile(dir, 'allgo.yaml', (y) => y.replace('entrypoint: /usr/local/bin/viewer', 'entrypoint: sleep 600')));
      expect((await push(never, first.url, stuck, 'admin', first.adminToken)).code).toBe(0);
      const ready = await startSession(first, viewer, token);
      expect((await waitSession(first, viewer, ready.id, token)).state).toBe('ready');
      const starting = await startSession(first, stuck, token);
      await expect.poll(() => sessionLeftovers(starting.id).length, { message: 'the starting session to have its container' }).toBe(2);

      await first.running.close();
      // A firewall reload while the server is down takes the session's fence with it.
      const rule = ['INPUT', '-i', sessionNetwork(ready.id).bridge, '-m', 'conntrack', '--ctstate', 'NEW', '-j', 'DROP'];
      execFileSync('iptables', ['-w', '5', '-D', ...rule]);
      // Same data dir, Redis prefix (so the same installation id) and admin.
      second = await startPlatform({ dataDir: first.dataDir, env: { ALLGO_REDIS_PREFIX: first.redisPrefix, ALLGO_ADMIN_TOKEN: first.adminToken } });
      const again = await waitSession(second, viewer, ready.id, token, ['starting']);
      expect(again.state).toBe('ready');
      // The restart put the fence back before serving it.
      expect(() => execFileSync('iptables', ['-w', '5', '-C', ...rule])).not.toThrow();
      const page = await fetch(`${second.url}/s/${ready.id}/`, { headers: { authorization: `Token ${token}` } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<h1>CSV viewer</h1>');
      expect(await waitSession(second, stuck, starting.id, token)).toMatchObject({ state: 'failed', reason: 'platform restart' });
      await expect.poll(() => sessionLeftovers(starting.id), { message: "the starting session's container and network to be gone" }).toEqual([]);

      await second.api(`/api/v1/apps/${viewer}/sessions/${ready.id}`, { method: 'DELETE', token });
      await expect.poll(() => sessionLeftovers(ready.id), { message: "the ready session's container and network to be gone" }).toEqual([]);
    } finally {
      await second?.close();
      await first.close();
    }
  });
});
