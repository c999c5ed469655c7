// A user's whole path in a real browser: the catalog lists a freshly pushed app, its page
// submits a job with real file uploads (picker and drag and drop), the job page streams the
// log live and shows done, and the output downloads with the right content.
import { describe, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { editFile } from '../helpers/git.js';
import { browserTest, screenshot, signIn } from '../helpers/browser.js';

const PRESETS = `presets:
  - name: Count slowly
    params: tick 8
  - name: Write a file
    params: write out.txt hello-from-the-browser
`;

// The probe, tagged and with presets, listed in the catalog; one page, shared by the tests in order.
const test = browserTest({
  site: { debounce: '200ms' },
  probe: (dir) => editFile(dir, 'allgo.yaml', (y) => y.replace('tags: [test]', 'tags: [test, signal-processing]') + PRESETS),
}).extend<{ page: Page }>({
  page: [async ({ browser }, use) => use(await (await browser.newContext({ acceptDownloads: true, viewport: { width: 1100, height: 900 } })).newPage()), { scope: 'file' }],
});

describe('the catalog and job pages in a browser', () => {
  test('lists the freshly pushed app, searchable and filterable with no request', async ({ platform: p, probe: app, page }) => {
    await page.goto(p.url + '/');
    const card = page.locator('.card', { hasText: 'Probe' });
    await expect(card.getByRole('link', { name: 'Probe' }).getAttribute('href')).resolves.toBe(`/apps/${app}/`);
    await expect(card.textContent()).resolves.toContain('A test fixture that provokes each job outcome.');
    await expect(card.textContent()).resolves.toContain('by admin');

    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const search = page.getByLabel('Search apps');
    await search.fill('no-such-thing');
    await expect(card.isHidden()).resolves.toBe(true);
    await expect(page.getByText('No app matches').isVisible()).resolves.toBe(true);
    await search.fill('provokes');
    await expect(card.isVisible()).resolves.toBe(true);
    await search.fill('');
    await page.getByRole('button', { name: /signal-processing/ }).click();
    await expect(card.isVisible()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: /signal-processing/ }).getAttribute('aria-pressed')).resolves.toBe('true');
    expect(requests).toEqual([]);
    await screenshot(page, 'catalog');
  });

  test('submits a job with two uploaded files from the app page and follows its log live', async ({ platform: p, probe: app, page, tempDir }) => {
    await signIn(page, p.url, p.adminToken, `/apps/${app}/`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Probe');
    // Every field of the run form has a label.
    const unlabelled = await page.$$eval('allgo-run-form input, allgo-run-form select', (els) => els.filter((e) => (e as HTMLInputElement).labels?.length === 0).map((e) => e.id));
    expect(unlabelled).toEqual([]);
    await expect(page.getByLabel('Version', { exact: true }).inputValue()).resolves.toBe('1.0');
    await expect(page.getByLabel('Queue', { exact: true }).inputValue()).resolves.toBe('standard');
    await expect(page.locator('#run-queue option').allTextContents()).resolves.toEqual(['interactive (up to 1 minute)', 'standard (up to 20 minutes)', 'batch (up to 1 day)']);

    const dir = tempDir('allgo-browser-');
    writeFileSync(join(dir, 'input.txt'), 'picked from the file picker\n');
    await page.getByLabel('Files to upload').setInputFiles(join(dir, 'input.txt'));
    const dropped = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['dropped on the page\n'], 'dropped.txt', { type: 'text/plain' }));
      return dt;
    });
    await page.locator('[data-drop]').dispatchEvent('drop', { dataTransfer: dropped });
    await expect(page.locator('[data-file-list] li').allTextContents()).resolves.toEqual([expect.stringContaining('input.txt'), expect.stringContaining('dropped.txt')]);

    await page.getByLabel('Presets', { exact: true }).selectOption({ label: 'Count slowly' });
    await expect(page.getByLabel('Parameters', { exact: true }).inputValue()).resolves.toBe('tick 8');
    // The API panel shows the same job as a curl command, with this user's token.
    const curl = await page.locator('[data-submit-cmd]').textContent();
    expect(curl).toContain(`'Authorization: Token token=${p.adminToken}'`);
    expect(curl).toContain(`'job[webapp_id]=${app}'`);
    expect(curl).toContain(`'job[param]=tick 8'`);
    expect(curl).toContain(`'files[1]=@dropped.txt'`);
    expect(curl).toContain(`${p.url}/api/v1/jobs`);
    await page.locator('allgo-api-panel summary').click();
    await screenshot(page, 'app');

    await page.getByRole('button', { name: 'Run' }).click();
    await page.waitForURL(/\/jobs\/\?id=\d+$/);
    const jobId = new URL(page.url()).searchParams.get('id');
    // Live: the first line shows while the job is still running.
    await page.waitForFunction(() => document.querySelector('[data-log]')?.textContent?.includes('tick 1'), undefined, { timeout: 60_000 });
    const stateWhileLogging = await page.locator('[data-state-badge]').textContent();
    expect(stateWhileLogging).toBe('running');
    await page.waitForFunction(() => document.querySelector('[data-state-badge]')?.textContent === 'done', undefined, { timeout: 60_000 });
    await expect(page.locator('[data-result-badge]').textContent()).resolves.toBe('success');
    const log = await page.locator('[data-log]').textContent();
    expect(log).toContain('tick 8');
    expect(log!.indexOf('tick 1')).toBeLessThan(log!.indexOf('tick 8'));
    const meta = await page.locator('table.meta').innerText();
    expect(meta).toMatch(new RegExp(`App\\s+${app}`));
    expect(meta).toMatch(/Parameters\s+tick 8/);
    expect(meta).toMatch(/Queue\s+standard/);
    expect(meta).toMatch(/Exit code\s+0/);
    expect(meta).toMatch(/Finished\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    // Inputs are listed apart from the results.
    await page.waitForFunction(() => document.querySelectorAll('[data-inputs] tr').length >= 2);
    const inputs = await page.locator('[data-inputs] tr').allInnerTexts();
    // The names from their links: a row's innerText has no tab between cells until it is laid out.
    expect((await page.locator('[data-inputs] tr td:first-child a').allTextContents()).sort()).toEqual(['dropped.txt', 'input.txt']);
    expect(inputs.find((f) => f.startsWith('input.txt'))).toContain('28 B');
    // The results are listed once the done job's files are read, which may come after its inputs.
    await expect.poll(async () => (await page.locator('[data-files] tr').allInnerTexts()).map((f) => f.split(/\s/)[0])).toEqual(['allgo.log']);
    const href = await page.getByRole('link', { name: 'dropped.txt' }).getAttribute('href');
    expect(await (await fetch(href!)).text()).toBe('dropped on the page\n');
    await screenshot(page, 'job');

    // The log stays readable after the job: a fresh load of the page shows it whole.
    await page.reload();
    await page.waitForFunction(() => document.querySelector('[data-log]')?.textContent?.includes('tick 8'));
    expect(jobId).toMatch(/^\d+$/);
  });

  test('downloads an output file with the right content', async ({ platform: p, probe: app, page }) => {
    await page.goto(`${p.url}/apps/${app}/`);
    await page.getByLabel('Presets', { exact: true }).selectOption({ label: 'Write a file' });
    await page.getByRole('button', { name: 'Run' }).click();
    await page.waitForURL(/\/jobs\/\?id=\d+$/);
    await page.waitForFunction(() => document.querySelector('[data-state-badge]')?.textContent === 'done', undefined, { timeout: 60_000 });
    const link = page.getByRole('link', { name: 'out.txt' });
    await link.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('out.txt');
    expect(readFileSync((await download.path())!, 'utf8')).toBe('hello-from-the-browser\n');
  });

  test('cancels a running job from its page', async ({ platform: p, probe: app, page }) => {
    const id = await p.submit(app, 'sleep 60');
    await page.goto(`${p.url}/jobs/?id=${id}`);
    await page.waitForFunction(() => document.querySelector('[data-log]')?.textContent?.includes('sleeping 60'), undefined, { timeout: 60_000 });
    await page.getByRole('button', { name: 'Cancel this job' }).click();
    await page.waitForFunction(() => document.querySelector('[data-result-badge]')?.textContent === 'aborted', undefined, { timeout: 60_000 });
    await expect(page.locator('[data-state-badge]').textContent()).resolves.toBe('done');
    await expect(page.getByRole('button', { name: 'Cancel this job' }).isHidden()).resolves.toBe(true);
    await expect(page.getByRole('link', { name: 'Run the app again' }).getAttribute('href')).resolves.toBe(`/apps/${app}/?${new URLSearchParams({ version: '1.0', queue: 'standard', param: 'sleep 60', from: String(id) })}`);
  });

  test('lists the signed-in user\'s jobs, newest first', async ({ platform: p, probe: app, page }) => {
    await page.goto(`${p.url}/my-jobs/`);
    await page.locator('[data-rows] tr').first().waitFor();
    const rows = await page.locator('[data-rows] tr').allInnerTexts();
    expect(rows).toHaveLength(3);
    const ids = rows.map((r) => Number(/#(\d+)/.exec(r)![1]));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    for (const r of rows) expect(r).toContain(`${app} 1.0`);
    expect(rows[0]).toContain('aborted');
    expect(rows[1]).toContain('success');
  });

  test('never deletes a job\'s files when its cancel arrives after the job has ended', async ({ platform: p, probe: app, page }) => {
    const id = await p.submit(app, 'sleep 5');
    const state = async () => (await p.job(id)).state;
    await page.goto(`${p.url}/jobs/?id=${id}`);
    await page.getByRole('button', { name: 'Cancel this job' }).waitFor();
    // The race made certain: the page's cancel is held on its way until the job has ended by itself.
    const held: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const thisJob = (u: URL) => u.pathname === `/api/v1/jobs/${id}` || u.pathname.startsWith(`/api/v1/jobs/${id}/`);
    await page.route(thisJob, async (route) => {
      if (route.request().method() === 'GET') return route.fallback();
      held.push(`${route.request().method()} ${new URL(route.request().url()).pathname}`);
      await released;
      await route.continue();
    });
    await page.getByRole('button', { name: 'Cancel this job' }).click();
    await expect.poll(() => held.length).toBe(1);
    await expect.poll(state, { timeout: 60_000, interval: 250 }).toBe('done');
    const answered = page.waitForResponse((r) => thisJob(new URL(r.url())) && r.request().method() !== 'GET');
    release();
    const answer = await answered;
    await page.unroute(thisJob);
    expect(held).toEqual([`POST /api/v1/jobs/${id}/cancel`]);
    expect(answer.status()).toBe(409);
    const job = (await (await p.api(`/api/v1/jobs/${id}`, { token: p.adminToken })).json()) as { state: string; result: string; files: { name: string; url: string }[] };
    expect(job).toMatchObject({ state: 'done', result: 'success' });
    const log = job.files.find((f) => f.name === 'allgo.log');
    expect(await (await fetch(log!.url)).text()).toContain('woke up');
    // The page shows the job as it ended, by itself.
    await page.waitForFunction(() => document.querySelector('[data-result-badge]')?.textContent === 'success');
    await expect(page.locator('[data-state-badge]').textContent()).resolves.toBe('done');
  });

  test('fits a phone screen', async ({ platform: p, probe: app, page }) => {
    const phone = await page.context().newPage();
    await phone.setViewportSize({ width: 360, height: 740 });
    for (const path of ['/', `/apps/${app}/`]) {
      await phone.goto(p.url + path);
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${path} scrolls sideways on a phone`).toBeLessThanOrEqual(0);
    }
    await screenshot(phone, 'app-phone');
    await phone.close();
  });

  test('says on the run form when no runner serves the chosen queue', async ({ platform: p, probe: app, page }) => {
    // The queue list is asked live; here the server's answer says batch has no runner (the API
    // side of it is runner-host-fleet.test.ts's, with real runners).
    await page.route('**/api/v1/queues', async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as { queues: { name: string; runners: number; served: boolean }[] };
      for (const q of body.queues) if (q.name === 'batch') Object.assign(q, { runners: 0, served: false });
      await route.fulfill({ response: res, json: body });
    });
    await page.goto(`${p.url}/apps/${app}/`);
    const hint = page.getByText('No runner serves this queue right now');
    await page.getByLabel('Queue', { exact: true }).selectOption('standard');
    await expect(hint.isHidden()).resolves.toBe(true);
    await page.getByLabel('Queue', { exact: true }).selectOption('batch');
    await expect.poll(() => hint.isVisible()).toBe(true);
    await page.unroute('**/api/v1/queues');
  });
});
