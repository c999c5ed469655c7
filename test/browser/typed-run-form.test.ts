// The run form of an app with typed parameters, in Chromium: a field per parameter with the
// server's rules as HTML constraints (number bounds and step, a select for choices, a file
// picker with accept, a password field for a secret, required marks, an advanced group folded);
// switching the version switches the form; the browser's refusals and the server's appear
// beside the field they name; the job page shows the values the job ran with, the secret masked.
import { describe, expect } from 'vitest';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { commitAll, editFile, fixtureRepo, push } from '../helpers/git.js';
import { browserTest, screenshot, signIn } from '../helpers/browser.js';
import { waitForSite } from '../helpers/platform.js';

const V1 = `command: [args]
parameters:
  - {id: image, type: file, accept: [.txt], required: true, position: 2, label: Scan, help: The input scan.}
  - {id: frac, type: number, minimum: 0, maximum: 1, default: 0.5, flag: -f, label: Fraction kept}
  - {id: mode, type: enum, choices: [fast, {value: slow, label: Slow and careful}], default: fast, flag: --mode, label: Mode}
  - {id: mask, type: boolean, flag: -m, label: Also write the mask, group: Advanced}
  - {id: token, type: string, secret: true, flag: --token, label: Access token, group: Advanced}
`;
const V2 = `command: [args]
parameters:
  - {id: name, type: string, required: true, min_length: 2, flag: --name, label: Your name}
free_params: true
`;

const test = browserTest({ site: { debounce: '200ms' } }).extend<{ page: Page; app: string }>({
  page: [async ({ browser }, use) => use(await (await browser.newContext({ viewport: { width: 1100, height: 1000 } })).newPage()), { scope: 'file' }],
  // Version 1.0 with typed parameters, then 2.0 with others, both in the catalog.
  app: [
    async ({ platform: p }, use) => {
      const app = p.appName('typedform');
      const repo = fixtureRepo('probe', (dir) => appendFileSync(join(dir, 'allgo.yaml'), V1));
      expect((await push(repo, p.url, app, 'admin', p.adminToken)).code).toBe(0);
      editFile(repo, 'allgo.yaml', (y) => y.replace('version: "1.0"', 'version: "2.0"').replace(V1, V2));
      commitAll(repo, 'version 2.0');
      expect((await push(repo, p.url, app, 'admin', p.adminToken)).code).toBe(0);
      await waitForSite(p, `/apps/${app}/`, (html) => html.includes('2.0'));
      await use(app);
    },
    { scope: 'file' },
  ],
});

const errorOf = (page: Page, id: string) => page.locator(`[data-error-for="${id}"]`);

describe('the typed run form', () => {
  test('shows the latest version\'s fields, and switching the version switches the form', async ({ platform: p, app, page }) => {
    await signIn(page, p.url, p.adminToken, `/apps/${app}/`);
    await expect(page.getByLabel('Version', { exact: true }).inputValue()).resolves.toBe('2.0');
    await expect(page.getByLabel('Your name').isVisible()).resolves.toBe(true);
    // 2.0 keeps free text: its field is there; 1.0's fields are not.
    await expect(page.getByLabel('Parameters', { exact: true }).isVisible()).resolves.toBe(true);
    await expect(page.locator('#param-frac').count()).resolves.toBe(0);

    await page.getByLabel('Version', { exact: true }).selectOption('1.0');
    await expect(page.locator('#param-name').count()).resolves.toBe(0);
    await expect(page.getByLabel('Parameters', { exact: true }).isVisible()).resolves.toBe(false);
    await expect(page.getByLabel('Files to upload').isVisible()).resolves.toBe(false);
    const frac = page.getByLabel('Fraction kept');
    await expect(frac.evaluate((e: HTMLInputElement) => [e.type, e.min, e.max, e.step, e.value])).resolves.toEqual(['number', '0', '1', 'any', '0.5']);
    await expect(page.getByLabel('Mode').evaluate((e: HTMLSelectElement) => [e.tagName, [...e.options].map((o) => o.textContent)])).resolves.toEqual(['SELECT', ['fast', 'Slow and careful (slow)']]);
    await expect(page.locator('#param-image').evaluate((e: HTMLInputElement) => [e.type, e.accept, e.required])).resolves.toEqual(['file', '.txt', true]);
    await expect(page.locator('label[for="param-image"]').textContent()).resolves.toBe('Scan *');
    await expect(page.locator('#param-token').getAttribute('type')).resolves.toBe('password');
    // The advanced group is folded until opened.
    await expect(page.getByLabel('Also write the mask').isVisible()).resolves.toBe(false);
    await page.getByText('Advanced', { exact: true }).click();
    await expect(page.getByLabel('Also write the mask').evaluate((e: HTMLInputElement) => e.type)).resolves.toBe('checkbox');
    // Every field has a label.
    const unlabelled = await page.$$eval('[data-typed-params] input, [data-typed-params] select, [data-typed-params] textarea', (els) => els.filter((e) => (e as HTMLInputElement).labels?.length === 0).map((e) => e.id));
    expect(unlabelled).toEqual([]);
    await screenshot(page, 'typed-run-form');
  });

  test('the browser refuses what the server would, beside the field, and sends nothing', async ({ platform: p, app, page, tempDir }) => {
    const dir = tempDir('allgo-typed-');
    writeFileSync(join(dir, 'scan.png'), 'not text');
    const posts: string[] = [];
    page.on('request', (r) => r.method() === 'POST' && posts.push(r.url()));
    await page.getByLabel('Fraction kept').fill('2');
    await page.locator('#param-image').setInputFiles(join(dir, 'scan.png'));
    await page.getByRole('button', { name: 'Run' }).click();
    await expect(errorOf(page, 'frac').isVisible()).resolves.toBe(true);
    await expect(errorOf(page, 'frac').textContent()).resolves.not.toBe('');
    await expect(errorOf(page, 'image').textContent()).resolves.toBe('scan.png is not a file ending in .txt.');
    await expect(page.getByLabel('Fraction kept').getAttribute('aria-invalid')).resolves.toBe('true');
    expect(posts.filter((u) => u.startsWith(`${p.url}/api/v1/jobs`))).toEqual([]);
    void app;
  });

  test('a refusal from the server appears beside the field it names', async ({ page, tempDir }) => {
    const dir = tempDir('allgo-typed-');
    writeFileSync(join(dir, 'scan.txt'), 'pixels');
    await page.locator('#param-image').setInputFiles(join(dir, 'scan.txt'));
    // A form older than the server's rules: its bound lifted, the server still holds it.
    await page.getByLabel('Fraction kept').evaluate((e: HTMLInputElement) => e.removeAttribute('max'));
    await page.getByLabel('Fraction kept').fill('2');
    await page.getByRole('button', { name: 'Run' }).click();
    await expect.poll(() => errorOf(page, 'frac').textContent()).toBe('frac: must be at most 1');
    await expect(page.locator('[data-status]').textContent()).resolves.toBe('Not submitted: check the fields marked above.');
  });

  test('runs with the values, and the job page shows them with the secret masked', async ({ page, tempDir }) => {
    // Chosen again: the file the last test chose went with its folder.
    const dir = tempDir('allgo-typed-');
    writeFileSync(join(dir, 'scan.txt'), 'pixels');
    await page.locator('#param-image').setInputFiles(join(dir, 'scan.txt'));
    await page.getByLabel('Fraction kept').fill('0.3');
    await page.getByLabel('Mode').selectOption('slow');
    await page.getByLabel('Also write the mask').check();
    await page.getByLabel('Access token').fill('hunter2-secret');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.waitForURL(/\/jobs\/\?id=\d+/);
    const values = page.locator('[data-field="params"]');
    await expect.poll(() => values.textContent()).toContain('frac0.3');
    await expect(values.textContent()).resolves.toContain('token********');
    await expect(values.textContent()).resolves.toContain('modeslow');
    await expect(page.content()).resolves.not.toContain('hunter2-secret');
    await screenshot(page, 'typed-job-page');
  });
});
