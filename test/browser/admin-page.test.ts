// The admin page in Chromium: filled in from GET /api/v1/admin/overview for an admin (the queues,
// a failed job's message, the runner), and refused, in words, to a signed-in user who is not one.
import { describe, expect } from 'vitest';
import { browserTest, screenshot, signIn } from '../helpers/browser.js';
import { waitForJob } from '../helpers/platform.js';

const test = browserTest({ site: { debounce: '200ms' } });

describe('the admin page', () => {
  test('shows an admin the queues, runners, the last failed job with its message, and the disks', async ({ platform: p, probe, user, browser }) => {
    const failed = await p.submit(probe, 'exit 5', { token: user.token });
    await waitForJob(p, failed, user.token);
    const page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
    await signIn(page, p.url, p.adminToken);
    await expect.poll(() => page.getByRole('link', { name: 'Admin' }).isVisible(), { timeout: 10_000 }).toBe(true);
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.waitForURL((u) => u.pathname === '/admin/');
    const jobs = page.getByRole('region', { name: 'Last failed jobs' });
    await expect.poll(() => jobs.getByRole('row').nth(1).innerText(), { timeout: 20_000 }).toContain('exited with code 5');
    expect(await jobs.getByRole('row').nth(1).getByRole('cell').first().innerText()).toBe(`#${failed}`);
    const queues = page.getByRole('region', { name: 'Queues' });
    expect(await queues.getByRole('row').allInnerTexts()).toEqual(expect.arrayContaining([expect.stringMatching(/^standard\s+0\s+0\s+—\s+—$/)]));
    const runners = page.getByRole('region', { name: 'Runners' });
    expect(await runners.getByRole('row').count()).toBe(2);
    expect(await page.getByRole('region', { name: 'Biggest users by storage' }).innerText()).toContain(user.name);
    expect(await page.getByRole('region', { name: 'Disk use' }).innerText()).toContain(`Data dir ${p.dataDir}`);
    await screenshot(page, 'admin-page');
    await page.context().close();
  });

  test('tells a signed-in user who is not an admin that the page is for admins, and shows them no Admin link', async ({ platform: p, user, browser }) => {
    const page = await (await browser.newContext()).newPage();
    await signIn(page, p.url, user.token);
    expect(await page.getByRole('link', { name: 'My jobs' }).isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: 'Admin' }).isVisible()).toBe(false);
    await page.goto(`${p.url}/admin/`);
    await expect.poll(() => page.getByRole('alert').innerText(), { timeout: 10_000 }).toBe('This page is for admins only.');
    expect(await page.getByRole('region', { name: 'Queues' }).isVisible()).toBe(false);
    await page.context().close();
  });
});
