// A webapp's page in the catalog: "Start" instead of the run form, the session's state as it
// starts, "Open" once ready (the app in a new page, reached with the token once), and "Stop";
// My sessions lists it while it runs.
import { describe, expect, onTestFinished } from 'vitest';
import { browserTest, screenshot, signIn } from '../helpers/browser.js';
import { exampleRepo, push } from '../helpers/git.js';
import { waitForSite } from '../helpers/platform.js';
import { stopAllSessions } from '../helpers/sessions.js';

const test = browserTest({ site: { debounce: '200ms' }, configYaml: 'webapps: {sweep: 200ms}\n' });

describe("a webapp's page", () => {
  test('starts a session, opens it and stops it', async ({ platform: p, user, browser }) => {
    onTestFinished(() => stopAllSessions(p, user.token));
    const app = p.appName('viewer');
    expect((await push(exampleRepo('viewer'), p.url, app, 'admin', p.adminToken)).code).toBe(0);
    await waitForSite(p, `/apps/${app}/`, (html, status) => status === 200 && html.includes('allgo-session-panel'));
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, p.url, user.token, `/apps/${app}/`);
    await expect(page.getByRole('heading', { name: 'Start CSV viewer' }).isVisible()).resolves.toBe(true);
    await expect(page.locator('allgo-run-form').count()).resolves.toBe(0);

    await page.getByRole('button', { name: 'Start' }).click();
    const open = page.getByRole('link', { name: 'Open' });
    await open.waitFor({ state: 'visible', timeout: 90_000 });
    await expect(page.locator('[data-state]').textContent()).resolves.toBe('ready');
    await screenshot(page, 'webapp-app-page-ready');

    const [viewer] = await Promise.all([context.waitForEvent('page'), open.click()]);
    await viewer.waitForLoadState();
    await expect(viewer.locator('h1').textContent()).resolves.toBe('CSV viewer');
    expect(viewer.url()).not.toContain('token=');

    // My sessions lists it, with its time left and a link to it.
    const mine = await context.newPage();
    await mine.goto(`${p.url}/my-sessions/`);
    await mine.getByRole('link', { name: 'My sessions' }).waitFor();
    const row = mine.locator('tr', { hasText: `${app} 1.0` });
    await row.waitFor();
    await expect(row.locator('.badge').textContent()).resolves.toBe('ready');
    await expect(row.textContent()).resolves.toMatch(/\d+ min \d\d s/);
    await expect(row.getByRole('link').getAttribute('href')).resolves.toMatch(new RegExp(`/s/s[a-z0-9]{11}/\\?token=`));
    await screenshot(mine, 'webapp-my-sessions');

    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByText('stopped (stopped by user)').waitFor();
    expect((await viewer.reload())?.status()).toBe(404);
    await mine.reload();
    await mine.getByText('No session running.').waitFor();
    await context.close();
  });
});
