// Issue 10's web pages in a real browser against a real platform: upload progress and the
// file picker, the job page (results previewed, a streamed zip, times to the second, elapsed
// and run time), "Run the app again" with the same choices and its inputs, the parameter and
// duration columns of My jobs, the catalog's summary cut at a sentence, and refusals worded
// for people.
import { describe, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { editFile } from '../helpers/git.js';
import { browserTest, screenshot, signIn } from '../helpers/browser.js';

const FIRST = "A test fixture that provokes each job outcome, from a clean exit to a crash, for the platform's own tests.";
const SECOND = ' Then the job writes: the files named in its parameters, and whatever else the test asks it for, in its folder.';
const DOT_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const PARAM = `bash 'yes x | head -c 3000 > big.txt; printf "<b>bold</b>" > tag.txt; echo ${DOT_PNG} | base64 -d > dot.png; wc -c < input.bin'`;

// The probe with a two-sentence description, listed in the catalog; one page and one folder of
// inputs shared by the tests, which run in order (a job made by one is read by the next).
const test = browserTest({
  site: { debounce: '200ms' },
  probe: (d) => editFile(d, 'allgo.yaml', (y) => y.replace(/^description: .*$/m, `description: "${FIRST}${SECOND}"`)),
}).extend<{ page: Page; inputs: string }>({
  page: [async ({ browser }, use) => use(await (await browser.newContext({ acceptDownloads: true, viewport: { width: 1100, height: 900 } })).newPage()), { scope: 'file' }],
  inputs: [
    async ({}, use) => {
      const dir = mkdtempSync(join(tmpdir(), 'allgo-browser-'));
      writeFileSync(join(dir, 'input.bin'), Buffer.alloc(8 * 1024 * 1024, 7));
      await use(dir);
      rmSync(dir, { recursive: true, force: true });
    },
    { scope: 'file' },
  ],
});
let jobId = '';

describe("a scientist's first day on the web pages", () => {
  test('cuts the catalog summary at the end of a sentence', async ({ platform: p, probe: _listed, page }) => {
    await page.goto(p.url + '/');
    const text = await page.locator('.card', { hasText: 'Probe' }).locator('p').first().textContent();
    expect(text).toBe(FIRST);
  });

  test('words a refused job for people: the form field, not the API field', async ({ platform: p, probe: app, page }) => {
    await signIn(page, p.url, p.adminToken, `/apps/${app}/`);
    await page.getByLabel('Parameters', { exact: true }).fill('args "unclosed');
    await page.getByRole('button', { name: 'Run' }).click();
    const status = page.locator('allgo-run-form [data-status]');
    await page.waitForFunction(() => document.querySelector('allgo-run-form [data-status]')?.textContent?.startsWith('Not submitted'));
    const text = await status.textContent();
    expect(text).toMatch(/^Not submitted: Parameters: unterminated double quote/);
    expect(text).not.toContain('job[');
  });

  test('shows the chosen files once, with sizes, and a progress bar while they upload', async ({ platform: p, probe: app, page, inputs: dir }) => {
    await page.goto(`${p.url}/apps/${app}/`);
    // The native picker (which would say "No file chosen") is out of sight; its label is the button.
    const box = await page.locator('#run-files').boundingBox();
    expect(box!.width).toBeLessThanOrEqual(1);
    await expect(page.locator('label[for="run-files"].button').isVisible()).resolves.toBe(true);
    await page.getByLabel('Files to upload').setInputFiles(join(dir, 'input.bin'));
    await expect(page.locator('[data-file-list] li').allTextContents()).resolves.toEqual([expect.stringContaining('input.bin (8.0 MB)')]);
    const formText = await page.locator('allgo-run-form').innerText();
    expect(formText).not.toContain('No file chosen');
    expect(formText.split('input.bin')).toHaveLength(2);

    await page.getByLabel('Parameters', { exact: true }).fill(PARAM);
    await page.getByLabel('Queue', { exact: true }).selectOption('batch');
    // The page is left on success: what the bar showed is kept in sessionStorage as it changes.
    await page.evaluate(() => {
      const bar = document.querySelector<HTMLProgressElement>('[data-progress]')!;
      new MutationObserver(() => {
        if (!bar.hidden) sessionStorage.setItem('seen-progress', String(Math.max(bar.value, Number(sessionStorage.getItem('seen-progress') ?? -1))));
      }).observe(bar, { attributes: true, attributeFilter: ['value', 'hidden'] });
    });
    await page.getByRole('button', { name: 'Run' }).click();
    await page.waitForURL(/\/jobs\/\?id=\d+$/);
    jobId = new URL(page.url()).searchParams.get('id')!;
    expect(await page.evaluate(() => sessionStorage.getItem('seen-progress'))).toBe('100');
  });

  test('shows the job: times to the second, its run time, previews of its results and a zip of all', async ({ platform: p, page }) => {
    await page.waitForFunction(() => document.querySelector('[data-state-badge]')?.textContent === 'done', undefined, { timeout: 60_000 });
    await expect(page.locator('[data-result-badge]').textContent()).resolves.toBe('success');
    await page.locator('[data-preview="big.txt"]').waitFor();
    const meta = await page.locator('table.meta').innerText();
    expect(meta).toMatch(/Version\s+1\.0/);
    expect(meta).toContain(`Parameters\t${PARAM}`);
    expect(meta).toMatch(/Started\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    expect(meta).toMatch(/Finished\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    expect(meta).toMatch(/Duration\s+\d+ s/);

    await page.waitForFunction(() => !!document.querySelector('[data-preview="big.txt"]')?.textContent);
    const big = (await page.locator('[data-preview="big.txt"]').textContent())!;
    expect(big.startsWith('x\n'.repeat(512))).toBe(true);
    expect(big).not.toContain('x\n'.repeat(513));
    expect(big).toContain('download it for the rest');
    await page.waitForFunction(() => !!document.querySelector('[data-preview="tag.txt"]')?.textContent);
    await expect(page.locator('[data-preview="tag.txt"]').textContent()).resolves.toBe('<b>bold</b>');
    await expect(page.locator('[data-preview="tag.txt"] b').count()).resolves.toBe(0);
    const img = page.getByAltText('Preview of dot.png');
    await page.waitForFunction(() => (document.querySelector<HTMLImageElement>('img.preview')?.naturalWidth ?? 0) > 0);
    await expect(img.evaluate((i: HTMLImageElement) => i.naturalWidth)).resolves.toBe(1);
    await screenshot(page, 'job-first-day');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download all (zip)' }).click()]);
    expect(download.suggestedFilename()).toBe(`job-${jobId}.zip`);
    const listing = execFileSync('unzip', ['-l', (await download.path())!], { encoding: 'utf8' });
    for (const name of ['allgo.log', 'big.txt', 'dot.png', 'input.bin', 'tag.txt']) expect(listing).toContain(name);
    expect(listing).toContain(String(8 * 1024 * 1024));
    const log = execFileSync('unzip', ['-p', (await download.path())!, 'allgo.log'], { encoding: 'utf8' });
    expect(log).toContain(String(8 * 1024 * 1024));
    // Without the key or a token, the zip is no one's.
    expect((await fetch(`${p.url}/api/v1/jobs/${jobId}/files.zip`)).status).toBe(404);
    expect((await fetch(`${p.url}/api/v1/jobs/${jobId}/files.zip?key=wrong`)).status).toBe(404);
  });

  test('runs the app again with the same version, queue and parameters, reusing its input', async ({ probe: app, page }) => {
    await page.getByRole('link', { name: 'Run the app again' }).click();
    await page.waitForURL((u) => u.pathname === `/apps/${app}/`);
    await expect(page.getByLabel('Parameters', { exact: true }).inputValue()).resolves.toBe(PARAM);
    await expect(page.getByLabel('Version', { exact: true }).inputValue()).resolves.toBe('1.0');
    await expect(page.getByLabel('Queue', { exact: true }).inputValue()).resolves.toBe('batch');
    await page.getByRole('button', { name: 'Reuse input.bin' }).click();
    await page.waitForFunction(() => document.querySelector('[data-file-list]')?.textContent?.includes('input.bin'));
    await expect(page.locator('[data-file-list] li').allTextContents()).resolves.toEqual([expect.stringContaining('input.bin (8.0 MB)')]);
    await page.getByRole('button', { name: 'Run' }).click();
    await page.waitForURL(/\/jobs\/\?id=\d+$/);
    expect(new URL(page.url()).searchParams.get('id')).not.toBe(jobId);
    await page.waitForFunction(() => document.querySelector('[data-log]')?.textContent?.includes(String(8 * 1024 * 1024)), undefined, { timeout: 60_000 });
  });

  test("shows a running job's elapsed time, ticking", async ({ platform: p, probe: app, page }) => {
    const body = new FormData();
    body.set('job[webapp_id]', app);
    body.set('job[param]', 'sleep 30');
    const res = await p.api('/api/v1/jobs', { method: 'POST', token: p.adminToken, body });
    const { id } = (await res.json()) as { id: number };
    await page.goto(`${p.url}/jobs/?id=${id}`);
    await page.waitForFunction(() => document.querySelector('[data-log]')?.textContent?.includes('sleeping 30'), undefined, { timeout: 60_000 });
    await expect(page.locator('[data-duration-label]').textContent()).resolves.toBe('Running for');
    const first = await page.locator('[data-field="duration"]').textContent();
    expect(first).toMatch(/^\d+ s$/);
    await page.waitForFunction((before) => document.querySelector('[data-field="duration"]')?.textContent !== before, first);
    await page.getByRole('button', { name: 'Cancel this job' }).click();
    await page.waitForFunction(() => document.querySelector('[data-result-badge]')?.textContent === 'aborted', undefined, { timeout: 60_000 });
    await expect(page.locator('[data-duration-label]').textContent()).resolves.toBe('Duration');
  });

  test('lists my jobs with their parameters and durations', async ({ platform: p, page }) => {
    await page.goto(`${p.url}/my-jobs/`);
    await page.locator('[data-rows] tr').first().waitFor();
    await expect(page.locator('allgo-my-jobs thead th').allTextContents()).resolves.toEqual(['Job', 'App', 'Parameters', 'State', 'Submitted', 'Finished', 'Duration']);
    const rows = await page.locator('[data-rows] tr').allInnerTexts();
    expect(rows[0]).toContain('sleep 30');
    expect(rows.at(-1)).toContain(PARAM);
    for (const r of rows) expect(r).toMatch(/\t\d+ (s|min \d\d s)$/);
  });
});
