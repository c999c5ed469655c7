// The site attacked in Chromium: the sign-in redirect (issue 9, finding 11), the headers that
// box the pages in (finding 15), and the injection payloads that every page must show as text
// (a probe that held). Every request leaves for loopback only: any other host is aborted and
// recorded, so a redirect that escaped shows up as a recorded request, not as traffic.
import { describe, expect } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { waitForJob } from '../helpers/platform.js';
import { browserTest, signIn } from '../helpers/browser.js';
import { PAYLOADS, HOSTILE_SELECTOR, quoteForParams, payloadManifest } from '../helpers/payloads.js';

// The probe app, whose manifest and README are payloads, listed in the catalog; and a job of it.
const test = browserTest({
  site: { debounce: '200ms' },
  probe: (dir) => {
    writeFileSync(join(dir, 'allgo.yaml'), payloadManifest());
    writeFileSync(join(dir, 'README.md'), PAYLOADS.join('\n\n'));
  },
}).extend<{ jobId: number }>({
  /** A job whose parameters, input names and output names are payloads too. */
  jobId: [
    async ({ platform: p, probe: app }, use) => {
      const form = new FormData();
      form.append('job[webapp_id]', app);
      form.append('job[param]', `write ${quoteForParams('<img src=x onerror=alert(7)>.out')} ${quoteForParams(PAYLOADS.join(' '))}`);
      for (const [i, name] of ['<svg onload=alert(8)>.txt', '"><img src=x onerror=alert(9)>', "'-alert(10)-'"].entries()) form.append(`files[${i}]`, new Blob(['x\n']), name);
      const res = await p.api('/api/v1/jobs', { method: 'POST', body: form, token: p.adminToken });
      expect(res.status, await res.clone().text()).toBe(200);
      const id = ((await res.json()) as { id: number }).id;
      expect((await waitForJob(p, id, p.adminToken)).result).toBe('success');
      await use(id);
    },
    { scope: 'file' },
  ],
});

/** A context whose requests to anywhere but loopback are aborted and recorded in `escaped`. */
async function newContext(browser: Browser): Promise<{ ctx: BrowserContext; escaped: string[] }> {
  const ctx = await browser.newContext();
  const escaped: string[] = [];
  await ctx.route(
    (url) => url.hostname !== '127.0.0.1',
    (route) => {
      escaped.push(route.request().url());
      return route.abort();
    },
  );
  return { ctx, escaped };
}

/** A page that records CSP violations, dialogs and uncaught errors. */
async function watchedPage(ctx: BrowserContext): Promise<{ page: Page; violations: string[]; dialogs: string[] }> {
  const page = await ctx.newPage();
  const violations: string[] = [];
  const dialogs: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return { page, violations, dialogs };
}

describe('the site under attack, in Chromium', () => {
  test('finding 11: after sign-in, next=/%09/evil.example/x stays on the site', async ({ platform: p, browser, jobId }) => {
    const { ctx, escaped } = await newContext(browser);
    const { page } = await watchedPage(ctx);
    for (const next of ['/%09/evil.example/x', '//evil.example/x', '/%5Cevil.example/x', 'https://evil.example/x', 'javascript:alert(1)', '/%0A/evil.example/x']) {
      await page.goto(`${p.url}/signin/?next=${next}`);
      await page.getByLabel('API token').fill(p.adminToken);
      await page.getByRole('button', { name: 'Sign in' }).click();
      // A navigation that left is aborted (and recorded): wait for it to end either way.
      await page.waitForURL((u) => u.pathname !== '/signin/').catch(() => undefined);
      expect(escaped, `next=${next}`).toEqual([]);
      expect(new URL(page.url()).origin, `next=${next}`).toBe(p.url);
      expect(new URL(page.url()).pathname, `next=${next}`).toBe('/');
    }
    // A same-site next still works.
    await page.goto(`${p.url}/signin/?next=${encodeURIComponent(`/jobs/?id=${jobId}`)}`);
    await page.getByLabel('API token').fill(p.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${p.url}/jobs/?id=${jobId}`);
    expect(escaped).toEqual([]);
    await ctx.close();
  });

  test('finding 15: every page sends CSP, nosniff and Referrer-Policy, and runs with no violation', async ({ platform: p, probe: app, browser, jobId }) => {
    const pages = ['/', `/apps/${app}/`, '/signin/', '/my-jobs/', `/jobs/?id=${jobId}`, `/app/?name=${app}`, '/no/such/page'];
    for (const path of pages) {
      const res = await fetch(p.url + path);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("object-src 'none'");
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('same-origin');
    }
    // The API and downloads are never framed either; a download keeps its own sandbox.
    const api = await fetch(`${p.url}/api/v1/apps`);
    expect(api.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    const job = (await (await p.api(`/api/v1/jobs/${jobId}`, { token: p.adminToken })).json()) as { files: { url: string }[] };
    expect((await fetch(job.files[0].url)).headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");

    const { ctx, escaped } = await newContext(browser);
    const { page, violations } = await watchedPage(ctx);
    await signIn(page, p.url, p.adminToken, '/');
    // The pages' scripts run under the policy: each live part did its work.
    await page.goto(`${p.url}/`);
    await page.getByLabel('Search apps').fill('no-such-thing');
    await page.getByText('No app matches').waitFor();
    await page.goto(`${p.url}/apps/${app}/`);
    await expect(page.getByRole('button', { name: 'Run' }).isEnabled()).resolves.toBe(true);
    await page.goto(`${p.url}/my-jobs/`);
    await page.getByRole('link', { name: `#${jobId}` }).waitFor();
    await page.goto(`${p.url}/jobs/?id=${jobId}`);
    await page.locator('[data-result-badge]', { hasText: 'success' }).waitFor();
    expect(violations).toEqual([]);
    // A page of the site cannot be framed by another origin's page (setContent waits for the frame's load).
    const framed = await ctx.newPage();
    await framed.setContent(`<iframe src="${p.url}/signin/"></iframe>`);
    const frame = framed.frames()[1];
    expect(frame).toBeDefined();
    expect(await frame.locator('#signin-token').count().catch(() => 0)).toBe(0);
    expect(escaped).toEqual([]);
    await ctx.close();
  });

  test('held: the injection payloads are shown as text on every page and never run', async ({ platform: p, probe: app, browser, jobId }) => {
    const { ctx, escaped } = await newContext(browser);
    const { page, dialogs } = await watchedPage(ctx);
    await signIn(page, p.url, p.adminToken, '/');
    const checks: { path: string; ready: () => Promise<unknown> }[] = [
      { path: '/', ready: () => page.locator('.card').first().waitFor() },
      { path: `/apps/${app}/`, ready: () => page.locator('.readme').waitFor() },
      { path: `/app/?name=${app}`, ready: () => page.locator('[data-title]').waitFor() },
      { path: '/my-jobs/', ready: () => page.getByRole('link', { name: `#${jobId}` }).waitFor() },
      { path: `/jobs/?id=${jobId}`, ready: () => page.locator('[data-result-badge]', { hasText: 'success' }).waitFor() },
    ];
    for (const { path, ready } of checks) {
      await page.goto(p.url + path);
      await ready();
      // Let the live parts finish rendering what they fetched.
      await page.waitForLoadState('networkidle');
      const hostile = await page.locator(`main :is(${HOSTILE_SELECTOR})`).evaluateAll((els) => els.map((e) => e.outerHTML.slice(0, 120)));
      expect(hostile, path).toEqual([]);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), path).toBeUndefined();
    }
    // Shown as written, where they were put.
    await page.goto(`${p.url}/apps/${app}/`);
    await expect(page.locator('.readme').textContent()).resolves.toContain(PAYLOADS[0]);
    await page.goto(`${p.url}/jobs/?id=${jobId}`);
    // The uploaded file among the inputs, the job's own among the results.
    await page.locator('[data-inputs]', { hasText: '<svg onload=alert(8)>.txt' }).waitFor();
    await page.locator('[data-files]', { hasText: '<img src=x onerror=alert(7)>.out' }).waitFor();
    expect(dialogs).toEqual([]);
    expect(escaped).toEqual([]);
    await ctx.close();
  });
});
