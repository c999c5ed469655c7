// Webapps for real: push examples/viewer, start a session, reach it through /s/ID/ with the
// owner's token (then its cookie), exchange WebSocket messages, and see everyone else get 404
// (a share link lets others in until revoked);
// stop it and it is gone, container and network. Sessions end by themselves (idle timeout,
// max age), one that never opens its port fails with its log, and the caps refuse, naming which.
import { describe, expect, onTestFinished, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { platformTest } from '../helpers/platform-test.js';
import { exampleRepo, editFile, push } from '../helpers/git.js';
import { sessionLeftovers, startSession, stopAllSessions, waitSession } from '../helpers/sessions.js';
import type { Platform } from '../helpers/platform.js';

const test = platformTest({ configYaml: 'webapps: {per_user: 1, start_timeout: 4s, sweep: 200ms, ws_idle_timeout: 8s}\n' });


/** Pushes examples/viewer, its allgo.yaml edited, as a fresh app; its name. */
async function pushViewer(p: Platform, edit: (yaml: string) => string = (y) => y): Promise<string> {
  const app = p.appName('viewer');
  const r = await push(exampleRepo('viewer', (dir) => editFile(dir, 'allgo.yaml', edit)), p.url, app, 'admin', p.adminToken);
  expect(r.code, r.output).toBe(0);
  return app;
}

const cookieOf = (res: Response): string => (res.headers.get('set-cookie') ?? '').split(';')[0];

describe('webapp sessions', () => {
  test('starts a session, serves it to its owner only at /s/ID/, with WebSockets, and stops it', async ({ platform: p, user }) => {
    onTestFinished(() => stopAllSessions(p, user.token));
    const other = await p.addUser(`other-${Date.now()}`);
    const app = await pushViewer(p);
    const started = await startSession(p, app, user.token);
    expect(started).toMatchObject({ app, version: '1.0', state: 'starting', url: `${p.url}/s/${started.id}/`, host_url: null, idle_timeout_s: 1800, max_age_s: 28800 });
    expect(started.id).toMatch(/^s[a-z0-9]{11}$/);
    const ready = await waitSession(p, app, started.id, user.token);
    expect(ready.state, ready.log_tail ?? '').toBe('ready');

    // A job of a webapp, or a session of a job app, is refused with what to do instead.
    await expect(p.submit(app, '', { token: user.token })).rejects.toThrow(/400 .*"code":"webapp_not_runnable"/);

    // First visit with the token: a cookie for this session, and the same URL without the token.
    const first = await fetch(`${ready.url}?token=${user.token}`, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe(`/s/${ready.id}/`);
    expect(first.headers.get('set-cookie')).toMatch(new RegExp(`^allgo_session=[A-Za-z0-9_-]+; Path=/s/${ready.id}/; HttpOnly; SameSite=Lax$`));
    const cookie = cookieOf(first);
    const page = await fetch(ready.url, { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<h1>CSV viewer</h1>');
    expect(html).toContain('sample.csv: 6 points (x, y)');
    // The app built its links from X-Forwarded-Prefix.
    expect(html).toContain(`<script src="/s/${ready.id}/app.js">`);
    // The Authorization header opens it too; the app never sees the token.
    expect((await fetch(`${ready.url}healthz`, { headers: { authorization: `Token token=${user.token}` } })).status).toBe(200);

    // Everyone else: the same 404 as no session at all.
    for (const headers of [{} as Record<string, string>, { authorization: `Token token=${other}` }, { authorization: `Token token=${p.adminToken}` }, { cookie: 'allgo_session=forged' }]) {
      const res = await fetch(ready.url, { headers });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: 'not_found' });
    }
    expect((await fetch(`${ready.url}?token=${other}`, { redirect: 'manual' })).status).toBe(404);
    // The bare /s/ID is sent on to /s/ID/; no other name is, nor a header made of one.
    const bare = await fetch(`${p.url}/s/${ready.id}?a=1`, { redirect: 'manual' });
    expect([bare.status, bare.headers.get('location')]).toEqual([308, `/s/${ready.id}/?a=1`]);
    expect((await fetch(`${p.url}/s/x%0d%0aset-cookie:%20a=b`, { redirect: 'manual' })).status).toBe(404);
    expect((await p.api(`/api/v1/apps/${app}/sessions/${ready.id}`, { token: other })).status).toBe(404);

    // A WebSocket through the proxy, with the cookie.
    const ws = new WebSocket(`${ready.url.replace(/^http/, 'ws')}ws`, { headers: { cookie } });
    const echoed = await new Promise<string>((resolve, reject) => {
      ws.once('open', () => ws.send('hello through allgo'));
      ws.once('message', (data) => resolve(String(data)));
      ws.once('error', reject);
    });
    expect(echoed).toBe('echo: hello through allgo');
    // Without the cookie the upgrade is refused.
    const refused = await new Promise<number>((resolve) => {
      const w = new WebSocket(`${ready.url.replace(/^http/, 'ws')}ws`);
      w.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      w.once('open', () => resolve(101));
      w.once('error', () => resolve(-1));
    });
    expect(refused).toBe(404);

    // A share link lets anyone in, with a cookie of its own, until it is revoked.
    const share = (await (await p.api(`/api/v1/apps/${app}/sessions/${ready.id}/share`, { method: 'POST', token: user.token })).json()) as { url: string };
    expect(share.url).toMatch(new RegExp(`^${ready.url}\\?share=[A-Za-z0-9_-]{43}$`));
    const shared = await fetch(share.url, { redirect: 'manual' });
    expect(shared.status).toBe(303);
    expect(shared.headers.get('location')).toBe(`/s/${ready.id}/`);
    const sharedCookie = cookieOf(shared);
    expect(sharedCookie).not.toBe(cookie);
    expect((await fetch(ready.url, { headers: { cookie: sharedCookie } })).status).toBe(200);
    expect((await fetch(`${ready.url}?share=${'A'.repeat(43)}`, { redirect: 'manual' })).status).toBe(404);
    expect((await p.api(`/api/v1/apps/${app}/sessions/${ready.id}/share`, { method: 'POST', token: other })).status).toBe(404);
    expect((await p.api(`/api/v1/apps/${app}/sessions/${ready.id}/share`, { method: 'DELETE', token: user.token })).status).toBe(200);
    expect((await fetch(share.url, { redirect: 'manual' })).status).toBe(404);
    expect((await fetch(ready.url, { headers: { cookie: sharedCookie } })).status).toBe(404);
    // The owner's own cookie still opens it.
    expect((await fetch(ready.url, { headers: { cookie } })).status).toBe(200);

    // The per-user cap (1 here) refuses a second one, saying whose cap is full.
    const second = await p.api(`/api/v1/apps/${app}/sessions`, { method: 'POST', token: user.token });
    expect(second.status).toBe(429);
    expect(await second.json()).toMatchObject({ code: 'sessions_full_user', error: expect.stringContaining('your limit') });

    // Its log, live over Server-Sent Events: the app's own lines, then its end once stopped.
    const events = await p.api(`/api/v1/apps/${app}/sessions/${ready.id}/events`, { token: user.token });
    expect(events.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
    let seen = '';
    while (!seen.includes('viewer listening on port 8000')) seen += (await reader.read()).value ?? '';
    expect(seen).toMatch(/^event: state\ndata: \{"id":"s[a-z0-9]{11}".*"state":"ready"/);
    expect((await p.api(`/api/v1/apps/${app}/sessions/${ready.id}/events`, { token: other })).status).toBe(404);

    const wsClosed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    const stopped = await p.api(`/api/v1/apps/${app}/sessions/${ready.id}`, { method: 'DELETE', token: user.token });
    expect(await stopped.json()).toMatchObject({ state: 'stopped', reason: 'stopped by user', expires_at: null });
    await wsClosed;
    expect((await fetch(ready.url, { headers: { cookie } })).status).toBe(404);
    await expect.poll(() => sessionLeftovers(ready.id), { message: "the session's container and network to be gone" }).toEqual([]);
    while (!seen.includes('event: end')) {
      const chunk = await reader.read();
      if (chunk.done) break;
      seen += chunk.value;
    }
    expect(seen).toMatch(/event: state\ndata: \{[^\n]*"state":"stopped"[^\n]*\n\nevent: end\ndata: \{\}\n\n$/);
    const mine = (await (await p.api('/api/v1/sessions', { token: user.token })).json()) as { sessions: { id: string }[] };
    expect(mine.sessions.map((s) => s.id)).toContain(ready.id);
  });

  test('a session ends by itself after its idle timeout, and after its max age however busy', async ({ platform: p, user }) => {
    onTestFinished(() => stopAllSessions(p, user.token));
    const idle = await pushViewer(p, (y) => y.replace('idle_timeout: 30m', 'idle_timeout: 2s'));
    const s = await startSession(p, idle, user.token);
    expect((await waitSession(p, idle, s.id, user.token)).state).toBe('ready');
    // An open WebSocket is use, silent as it may be: the session outlives two idle timeouts.
    const ws = new WebSocket(`${s.url.replace(/^http/, 'ws')}ws`, { headers: { authorization: `Token ${user.token}` } });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    await new Promise((r) => setTimeout(r, 5000));
    expect((await waitSession(p, idle, s.id, user.token, [])).state).toBe('ready');
    ws.close();
    const ended = await waitSession(p, idle, s.id, user.token, ['starting', 'ready'], 30_000);
    expect(ended).toMatchObject({ state: 'stopped', reason: 'idle_timeout' });
    await expect.poll(() => sessionLeftovers(s.id), { message: "the session's container and network to be gone" }).toEqual([]);

    const old = await pushViewer(p, (y) => y.replace('idle_timeout: 30m', 'idle_timeout: 1h').replace('max_age: 8h', 'max_age: 6s'));
    const t = await startSession(p, old, user.token);
    expect((await waitSession(p, old, t.id, user.token)).state).toBe('ready');
    // Busy all along: requests every 300 ms until it ends.
    let status = 200;
    while (status === 200) {
      status = (await fetch(`${t.url}healthz`, { headers: { authorization: `Token ${user.token}` } })).status;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(status).toBe(404);
    expect(await waitSession(p, old, t.id, user.token, ['starting', 'ready'])).toMatchObject({ state: 'stopped', reason: 'max_age' });
  });

  test('a WebSocket silent both ways for webapps.ws_idle_timeout is closed; one that carries messages stays open', async ({ platform: p, user }) => {
    onTestFinished(() => stopAllSessions(p, user.token));
    const app = await pushViewer(p);
    const s = await startSession(p, app, user.token);
    expect((await waitSession(p, app, s.id, user.token)).state).toBe('ready');
    const open = async () => {
      const ws = new WebSocket(`${s.url.replace(/^http/, 'ws')}ws`, { headers: { authorization: `Token ${user.token}` } });
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      return { ws, closed: new Promise<void>((resolve) => ws.once('close', () => resolve())) };
    };
    const silent = await open();
    const busy = await open();
    // The busy one exchanges a message every second until the silent one is closed.
    let echoes = 0;
    busy.ws.on('message', () => echoes++);
    let silentClosed = false;
    void silent.closed.then(() => (silentClosed = true));
    await vi.waitFor(() => {
      busy.ws.send('ping');
      expect(silentClosed, 'the silent WebSocket is still open').toBe(true);
    }, { timeout: 60_000, interval: 1000 });
    expect(busy.ws.readyState).toBe(WebSocket.OPEN);
    expect(echoes).toBeGreaterThan(3);
    busy.ws.close();
    await busy.closed;
  });

  test('a session that never opens its port fails with its log, leaving nothing behind', async ({ platform: p, user }) => {
    onTestFinished(() => stopAllSessions(p, user.token));
    const app = await pushViewer(p, (y) => y.replace('entrypoint: /usr/local/bin/viewer', 'entrypoint: sh -c "echo broken app starting; sleep 600"'));
    const s = await startSession(p, app, user.token);
    const failed = await waitSession(p, app, s.id, user.token);
    expect(failed).toMatchObject({ state: 'failed', reason: expect.stringMatching(/^not ready after 4s: nothing answered on port 8000/) });
    expect(failed.log_tail).toContain('broken app starting');
    await expect.poll(() => sessionLeftovers(s.id), { message: "the session's container and network to be gone" }).toEqual([]);
    expect((await fetch(`${s.url}?token=${user.token}`, { redirect: 'manual' })).status).toBe(404);
  });

  test('input files given at its start are its working folder, and go with it', async ({ platform: p, user }) => {
    onTestFinished(() => stopAllSessions(p, user.token));
    const app = await pushViewer(p);
    const bad = new FormData();
    bad.append('files[0]', new Blob(['x']), '../escape.csv');
    const refused = await p.api(`/api/v1/apps/${app}/sessions`, { method: 'POST', token: user.token, body: bad });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: expect.stringContaining('path separator') });

    const form = new FormData();
    form.append('version', '1.0');
    form.append('files[0]', new Blob(['t,v\n0,0\n1,1\n2,4\n']), 'mine.csv');
    const res = await p.api(`/api/v1/apps/${app}/sessions`, { method: 'POST', token: user.token, body: form });
    expect(res.status).toBe(201);
    const s = (await res.json()) as { id: string; url: string };
    expect((await waitSession(p, app, s.id, user.token)).state).toBe('ready');
    const html = await (await fetch(s.url, { headers: { authorization: `Token ${user.token}` } })).text();
    expect(html).toContain('mine.csv: 3 points (t, v)');
    const folder = join(p.dataDir, 'sessions', s.id);
    expect(readdirSync(folder)).toEqual(['mine.csv']);
    await p.api(`/api/v1/apps/${app}/sessions/${s.id}`, { method: 'DELETE', token: user.token });
    expect(existsSync(folder)).toBe(false);
  });
});
