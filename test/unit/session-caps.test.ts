// The session caps, counted at each start from the store: one user over webapps.per_user, or
// anyone over webapps.max_sessions, is refused with a code and a sentence saying which is full.
// The engine is a stand-in whose network never comes while the test runs: sessions stay `starting`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../common/config.js';
import { SessionService } from '../../server/sessions/session-service.js';
import { SessionsFullError } from '../../server/errors.js';
import { memoryStoreEach, versionInput } from '../helpers/store.js';

const { store } = memoryStoreEach();

/** An engine that fails nothing until `release()`, then refuses to make the network. */
function heldEngine(): { docker: Docker; release: () => void } {
  let release!: () => void;
  const held = new Promise<never>((_, reject) => (release = () => reject(new Error('engine released'))));
  held.catch(() => undefined);
  const none = { remove: async () => undefined, logs: async () => Buffer.alloc(0), inspect: async () => ({ State: { Running: false } }) };
  const docker = { createNetwork: () => held, getContainer: () => none, getNetwork: () => none } as unknown as Docker;
  return { docker, release };
}

describe('session caps', () => {
  it('refuses a user over per_user and anyone over max_sessions, naming which', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'allgo-caps-'));
    const config = loadConfig({ ALLGO_DATA_DIR: dataDir }, { webapps: { max_sessions: 2, per_user: 1 } });
    const s = store();
    const [a, b, c] = ['ada', 'bob', 'cy'].map((n) => s.users.create({ name: n, email: `${n}@example.org` }).user);
    const app = s.apps.create('viewer', a.id, false);
    const version = s.versions.startBuilding({ ...versionInput(app, a, '1.0'), manifest: { version: '1.0', entrypoint: '/app/serve', kind: 'webapp', port: 8000, memory: 128, private: false } });
    const engine = heldEngine();
    const sessions = new SessionService({ config, store: s, docker: engine.docker, instance: 'test', log: pino({ level: 'silent' }) });
    try {
      expect(sessions.start(a, app, version)).toMatchObject({ state: 'starting', userId: a.id });
      const refuse = (user: typeof a) => {
        try {
          sessions.start(user, app, version);
        } catch (err) {
          expect(err).toBeInstanceOf(SessionsFullError);
          return { code: (err as SessionsFullError).code, status: (err as SessionsFullError).status, message: (err as Error).message };
        }
        throw new Error('the start was accepted');
      };
      expect(refuse(a)).toMatchObject({ code: 'sessions_full_user', status: 429, message: expect.stringContaining('your limit') });
      expect(sessions.start(b, app, version).state).toBe('starting');
      expect(refuse(c)).toMatchObject({ code: 'sessions_full_platform', status: 429, message: expect.stringContaining('(2)') });
      expect(s.sessions.countLive()).toBe(2);
    } finally {
      engine.release();
      await sessions.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
