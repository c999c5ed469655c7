// Webapp sessions from the compiled CLI and the client library: `allgo start` waits for ready
// and prints the URL, `allgo sessions` lists it with its time left, `allgo stop` ends it; a
// session that fails prints its log and exits 1.
import { describe, expect } from 'vitest';
import { allgo, cliTest } from '../helpers/cli.js';
import { exampleRepo, editFile, push } from '../helpers/git.js';
import { AllgoClient } from '../../client/index.js';

const test = cliTest({ configYaml: 'webapps: {start_timeout: 4s, sweep: 200ms}\n' });

describe('allgo start, sessions, stop', () => {
  test('starts a webapp, prints its URL once ready, lists it, and stops it', async ({ platform: p, home, userEnv: env }) => {
    const app = p.appName('viewer');
    expect((await push(exampleRepo('viewer'), p.url, app, 'admin', p.adminToken)).code).toBe(0);
    const started = await allgo(['start', app], { home, env });
    expect(started.code, started.stderr).toBe(0);
    const url = started.stdout.trim();
    const id = /\/s\/(s[a-z0-9]{11})\/$/.exec(url)?.[1];
    expect(url).toBe(`${p.url}/s/${id}/`);
    expect(started.stderr).toContain(`allgo: session ${id} ready; it stops after 30 min without a request`);
    expect((await fetch(url, { headers: { authorization: `Token ${env.ALLGO_TOKEN}` } })).status).toBe(200);

    const listed = await allgo(['sessions'], { home, env });
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+${app}\\s+1\\.0\\s+ready\\s+30 min`));

    const stopped = await allgo(['stop', id!], { home, env });
    expect(stopped.stdout).toBe(`session ${id}: stopped (stopped by user)\n`);
    expect((await fetch(url, { headers: { authorization: `Token ${env.ALLGO_TOKEN}` } })).status).toBe(404);
    expect((await allgo(['sessions'], { home, env })).stderr).toContain('no sessions running');
    // Stopping it again says how it ended; an id that is not yours is refused.
    expect((await allgo(['stop', id!], { home, env })).stdout).toBe(`session ${id}: stopped (stopped by user)\n`);
    const unknown = await allgo(['stop', 'snosuchsess1'], { home, env });
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringContaining('no session snosuchsess1 of yours') });
  });

  test('a session that fails prints its log and the reason, exit 1; the client library waits the same way', async ({ platform: p, home, userEnv: env }) => {
    const app = p.appName('broken');
    const repo = exampleRepo('viewer', (dir) => editFile(dir, 'allgo.yaml', (y) => y.replace('entrypoint: /usr/local/bin/viewer', 'entrypoint: sh -c "echo cannot serve; sleep 600"')));
    expect((await push(repo, p.url, app, 'admin', p.adminToken)).code).toBe(0);
    const r = await allgo(['start', app], { home, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot serve');
    expect(r.stderr).toMatch(/allgo: session s[a-z0-9]{11} failed: not ready after 4s/);

    const api = new AllgoClient({ url: env.ALLGO_URL, token: env.ALLGO_TOKEN });
    const s = await api.startSession(app);
    expect(await api.waitForSession(app, s.id)).toMatchObject({ id: s.id, state: 'failed', log_tail: expect.stringContaining('cannot serve') });
    expect((await api.sessions()).map((x) => x.id)).toContain(s.id);
  });
});
