// A platform restart with sessions running: a ready session whose container still runs is
// found again, its host fence put back, and served by the new server; one still starting is ended, and no container or
// network is left of it.
import { describe, expect, it } from 'vitest';
import { startPlatform } from '../helpers/platform.js';
import { execFileSync } from 'node:child_process';
import { expectSessionsRecovered, readyAndStartingSessions, sessionNetwork, waitSession } from '../helpers/sessions.js';

describe('webapp sessions across a platform restart', () => {
  it('finds the ready session again and ends the one that was starting, leaving no orphan', async () => {
    const first = await startPlatform({ configYaml: 'webapps: {start_timeout: 5m, sweep: 200ms}\n' });
    let second: Awaited<ReturnType<typeof startPlatform>> | null = null;
    try {
      const token = await first.addUser(`restart-${Date.now()}`);
      const sessions = await readyAndStartingSessions(first, first.url, first.adminToken, { viewer: first.appName('viewer'), stuck: first.appName('stuck') }, token);

      await first.running.close();
      // A firewall reload while the server is down takes the session's fence with it.
      const rule = ['INPUT', '-i', sessionNetwork(sessions.ready.id).bridge, '-m', 'conntrack', '--ctstate', 'NEW', '-j', 'DROP'];
      execFileSync('iptables', ['-w', '5', '-D', ...rule]);
      // Same data dir, Redis prefix (so the same installation id) and admin.
      second = await startPlatform({ dataDir: first.dataDir, env: { ALLGO_REDIS_PREFIX: first.redisPrefix, ALLGO_ADMIN_TOKEN: first.adminToken } });
      expect((await waitSession(second, sessions.viewer, sessions.ready.id, token, ['starting'])).state).toBe('ready');
      // The restart put the fence back before serving it.
      expect(() => execFileSync('iptables', ['-w', '5', '-C', ...rule])).not.toThrow();
      await expectSessionsRecovered(second, second.url, sessions, token);
    } finally {
      await second?.close();
      await first.close();
    }
  });
});
