// What the generated site must never do: hold a private app anywhere in its files, or run a
// script from a provider's README. Also: browsing without JavaScript, the owner's view of a
// failed build, and a private app shown to its owner only, fetched in the browser.
import { describe, expect } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { waitForSite } from '../helpers/platform.js';
import { commitAll, editFile, fixtureRepo, push } from '../helpers/git.js';
import { browserTest, screenshot, signIn } from '../helpers/browser.js';

const HOSTILE_README = `# A README that tries things

Some **bold** claims.

<script>window.__pwned = 'script'</script>

<img src="x" onerror="window.__pwned = 'img'">

[click me](javascript:window.__pwned='link')

<a href="javascript:window.__pwned='raw-link'">raw link</a>
`;

const SECRET_TITLE = 'Unlisted Zebra Analyser';
const SECRET_TEXT = 'only-the-owner-may-read-this';

interface Apps {
  /** A private app, pushed first. */
  secretApp: string;
  /** A public app with a hostile README, pushed after it, and its work tree. */
  publicApp: string;
  publicRepo: string;
}

const test = browserTest({ site: { debounce: '200ms' } }).extend<{ apps: Apps }>({
  apps: [
    async ({ platform: p }, use) => {
      const secretApp = await p.pushProbe(
        (dir) => editFile(dir, 'allgo.yaml', (y) => y.replace('title: Probe', `title: ${SECRET_TITLE}`).replace(/^description: .*$/m, `description: ${SECRET_TEXT}`) + 'private: true\n'),
        'secret',
      );
      const publicApp = p.appName('readme');
      const publicRepo = fixtureRepo('probe', (dir) => {
        editFile(dir, 'allgo.yaml', (y) => y.replace(/^description: .*\n/m, ''));
        writeFileSync(join(dir, 'README.md'), HOSTILE_README);
      });
      const r = await push(publicRepo, p.url, publicApp, 'admin', p.adminToken);
      expect(r.code, r.output).toBe(0);
      // The public app was published after the private one: the build that shows it saw both.
      await waitForSite(p, '/', (html) => html.includes(`/apps/${publicApp}/`));
      await use({ secretApp, publicApp, publicRepo });
    },
    { scope: 'file' },
  ],
});

function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('the generated site', () => {
  test('holds no trace of a private app in any file, compressed copies included', async ({ platform: p, apps: { secretApp, publicApp } }) => {
    const files = allFiles(join(p.dataDir, 'site-builds'));
    expect(files.some((f) => f.endsWith(`/apps/${publicApp}/index.html`))).toBe(true);
    for (const f of files) {
      let body = readFileSync(f);
      if (f.endsWith('.br')) body = brotliDecompressSync(body);
      if (f.endsWith('.gz')) body = gunzipSync(body);
      const text = body.toString('utf8');
      for (const needle of [secretApp, SECRET_TITLE, SECRET_TEXT]) expect(text.includes(needle), `${f} mentions ${needle}`).toBe(false);
    }
    const page = await fetch(`${p.url}/apps/${secretApp}/`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('Not found');
    // The API still knows it, for its owner.
    expect((await p.api(`/api/v1/apps/${secretApp}`, { token: p.adminToken })).status).toBe(200);
  });

  test('renders a README with a <script> inert', async ({ platform: p, browser, apps: { publicApp } }) => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${p.url}/apps/${publicApp}/`);
    const readme = page.locator('.readme');
    await expect(readme.locator('strong').textContent()).resolves.toBe('bold');
    await expect(readme.locator('script, img, iframe, [onerror]').count()).resolves.toBe(0);
    await expect(readme.locator('a[href^="javascript" i]').count()).resolves.toBe(0);
    // Shown as text instead.
    await expect(readme.textContent()).resolves.toContain("<script>window.__pwned = 'script'</script>");
    for (const link of await readme.locator('a').all()) await link.click({ timeout: 2000 }).catch(() => undefined);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    await ctx.close();
  });

  test('can be browsed without JavaScript', async ({ platform: p, browser, apps: { publicApp } }) => {
    const ctx = await browser.newContext({ javaScriptEnabled: false });
    const page = await ctx.newPage();
    await page.goto(`${p.url}/`);
    await expect(page.getByRole('link', { name: 'Probe' }).getAttribute('href')).resolves.toBe(`/apps/${publicApp}/`);
    await expect(page.getByLabel('Search apps').isVisible()).resolves.toBe(false);
    await page.getByRole('link', { name: 'Probe' }).click();
    await page.waitForURL(`${p.url}/apps/${publicApp}/`);
    await expect(page.locator('.readme strong').textContent()).resolves.toBe('bold');
    await expect(page.locator('table', { hasText: 'Commit' }).innerText()).resolves.toContain('1.0');
    // The release history, read without JavaScript: the probe's publication made it the default.
    await expect(page.getByRole('table', { name: /Release history/ }).innerText()).resolves.toMatch(/published as default\s+1\.0/);
    await expect(page.getByRole('button', { name: 'Run' }).isDisabled()).resolves.toBe(true);
    await expect(page.getByText('Running an app needs').isVisible()).resolves.toBe(true);
    await ctx.close();
  });

  test('answers unknown paths with the 404 page, and unknown API paths with JSON', async ({ platform: p, apps: { publicApp } }) => {
    const html = await fetch(`${p.url}/no/such/page`);
    expect(html.status).toBe(404);
    expect(await html.text()).toContain('There is no page here');
    const api = await fetch(`${p.url}/api/v1/no-such-route`);
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ code: 'not_found' });
    const dotfile = await fetch(`${p.url}/.build-digest`);
    expect(dotfile.status).toBe(404);
    const compressed = await fetch(`${p.url}/`, { headers: { 'accept-encoding': 'br' } });
    expect(compressed.headers.get('content-encoding')).toBe('br');
    expect(await compressed.text()).toContain(`/apps/${publicApp}/`);
  });

  test('shows the owner a failed build with its log, and their private app', async ({ platform: p, browser, apps: { secretApp, publicApp, publicRepo } }) => {
    editFile(publicRepo, 'allgo.yaml', (y) => y.replace('version: "1.0"', 'version: "2.0"'));
    editFile(publicRepo, 'Dockerfile', (d) => `${d}RUN echo broken-on-purpose && exit 3\n`);
    commitAll(publicRepo, 'a build that fails');
    const failed = await push(publicRepo, p.url, publicApp, 'admin', p.adminToken);
    expect(failed.code).not.toBe(0);

    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await signIn(page, p.url, p.adminToken, `/apps/${publicApp}/`);
    const owner = page.locator('allgo-owner-panel');
    await owner.getByText('git remote add allgo').waitFor();
    await expect(owner.locator('[data-git-remote]').textContent()).resolves.toContain(`git remote add allgo ${p.url}/git/${publicApp}.git`);
    const row = owner.locator('tr', { hasText: '2.0' });
    await expect(row.locator('.badge').textContent()).resolves.toBe('failed');
    await row.getByRole('button', { name: /build log of version 2.0/ }).click();
    await page.waitForFunction(() => document.querySelector('[data-build-log]')?.textContent?.includes('broken-on-purpose'));
    // Visitors see only what they can run.
    const anonymous = await fetch(`${p.url}/apps/${publicApp}/`);
    // The failed version is in no version cell or option (timestamps may hold "2.0" by chance).
    const visible = await anonymous.text();
    expect(visible).not.toMatch(/<td>2\.0\b|value="2\.0"|>2\.0</);
    expect(visible).toMatch(/<td>1\.0\b/);

    await page.goto(`${p.url}/`);
    const secretCard = page.locator('.card', { hasText: SECRET_TITLE });
    await secretCard.waitFor();
    await expect(secretCard.locator('.badge').textContent()).resolves.toBe('private');
    await secretCard.getByRole('link', { name: SECRET_TITLE }).click();
    await page.waitForURL(`${p.url}/app/?name=${secretApp}`);
    await page.locator('[data-title]', { hasText: SECRET_TITLE }).waitFor();
    await expect(page.getByLabel('Version', { exact: true }).inputValue()).resolves.toBe('1.0');
    await expect(page.getByRole('button', { name: 'Run' }).isEnabled()).resolves.toBe(true);
    await expect(page.locator('[data-submit-cmd]').textContent()).resolves.toContain(`'job[webapp_id]=${secretApp}'`);
    await screenshot(page, 'private-app');
    await ctx.close();
  });
});
