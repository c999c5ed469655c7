// A webapp in Chromium, as its owner opens it: through the path route and its own host name
// (mapped to loopback with --host-resolver-rules), the page and its plot, a WebSocket exchange
// from the page's own script; an anonymous visitor gets 404, and once stopped so does the owner.
import { afterAll, beforeAll, describe, expect, onTestFinished } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { platformTest } from '../helpers/platform-test.js';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { exampleRepo, push } from '../helpers/git.js';
import { startSession, stopAllSessions, waitSession } from '../helpers/sessions.js';

const DOMAIN = 'apps.allgo.test';
const test = platformTest({ configYaml: `webapps: {domain: ${DOMAIN}, sweep: 200ms}\n` });

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser([`--host-resolver-rules=MAP *.${DOMAIN} 127.0.0.1`]);
});
afterAll(() => browser?.close());

/** Sends a message with the page's own form and answers what its WebSocket echoed. */
async function exchange(page: Page, text: string): Promise<string> {
  await page.waitForFunction(() => (window as unknown as { viewerSocket?: WebSocket }).viewerSocket?.readyState === 1);
  await page.locator('#msg').fill(text);
  await page.locator('#send').click();
  await page.waitForFunction((t) => document.getElementById('echo')?.textContent === `echo: ${t}`, text);
  return (await page.locator('#echo').textContent()) ?? '';
}

describe('a webapp session in a browser', () => {
  test('opens by path and by host name with the page, its plot and a WebSocket, then 404 once stopped', async ({ platform: p, user }) => {
    onTestFinished(() => stopAllSessions(p, user.token));
    const app = p.appName('viewer');
    expect((await push(exampleRepo('viewer'), p.url, app, 'admin', p.adminToken)).code).toBe(0);
    const s = await startSession(p, app, user.token);
    const ready = await waitSession(p, app, s.id, user.token);
    expect(ready.state).toBe('ready');
    expect(ready.host_url).toBe(`http://${s.id}.${DOMAIN}:${new URL(p.url).port}/`);

    const owner = await browser.newContext();
    const page = await owner.newPage();
    // By path: the token once, then the cookie; the address bar loses the token.
    await page.goto(`${ready.url}?token=${user.token}`);
    expect(page.url()).toBe(ready.url);
    await expect(page.locator('h1').textContent()).resolves.toBe('CSV viewer');
    await expect(page.locator('#plot polyline').count()).resolves.toBe(1);
    expect(await exchange(page, 'by path')).toBe('echo: by path');
    await screenshot(page, 'webapp-session-path');
    const cookies = await owner.cookies();
    expect(cookies.find((c) => c.name === 'allgo_session')).toMatchObject({ httpOnly: true, path: `/s/${s.id}/` });

    // By host name: the app is at the root of its own origin.
    await page.goto(`${ready.host_url}?token=${user.token}`);
    expect(page.url()).toBe(ready.host_url);
    await expect(page.locator('script').getAttribute('src')).resolves.toBe('/app.js');
    expect(await exchange(page, 'by host')).toBe('echo: by host');

    // An anonymous visitor, on either route.
    const stranger = await (await browser.newContext()).newPage();
    for (const url of [ready.url, ready.host_url!]) expect((await stranger.goto(url))?.status()).toBe(404);

    await p.api(`/api/v1/apps/${app}/sessions/${s.id}`, { method: 'DELETE', token: user.token });
    for (const url of [ready.url, ready.host_url!]) expect((await page.goto(url))?.status()).toBe(404);
    await owner.close();
  });
});
