// Debian's chromium driven by playwright-core: no tool downloads a browser. Screenshots go
// to test-artifacts/ (git-ignored) so a person can look at what a test saw.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { packageRoot } from '../../schemas/index.js';
import type { Platform } from './platform.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = join(packageRoot(), 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Stores the token the way the sign-in page does, by using the sign-in page. */
export async function signIn(page: Page, baseUrl: string, token: string, next = '/'): Promise<void> {
  await page.goto(`${baseUrl}/signin/?next=${encodeURIComponent(next)}`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname === next.split('?')[0]);
}

/** Polls a page of the served site until `ok(body)` (bounded): the site is rebuilt after a debounce. */
export async function waitForSite(p: Platform, path: string, ok: (body: string, status: number) => boolean, ms = 120_000): Promise<string> {
  const deadline = Date.now() + ms;
  let last = '';
  for (;;) {
    const res = await fetch(p.url + path);
    last = await res.text();
    if (ok(last, res.status)) return last;
    if (Date.now() > deadline) throw new Error(`the site's ${path} did not change as expected in ${ms} ms; last answer:\n${last.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
