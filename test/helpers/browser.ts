// Debian's chromium driven by playwright-core: no tool downloads a browser. Screenshots go
// to test-artifacts/ (git-ignored) so a person can look at what a test saw.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { packageRoot } from '../../schemas/index.js';
import { platformTest, type PlatformTestOptions } from './platform-test.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

/** `extraArgs`: e.g. --host-resolver-rules, for host names that only the test knows. */
export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...ARGS, ...extraArgs], headless: true });
}

/** platformTest with a `browser`: one Chromium per file, closed after its last test. */
export function browserTest(options: PlatformTestOptions = {}) {
  return platformTest(options).extend<{ browser: Browser }>({
    browser: [
      async ({}, use) => {
        const browser = await launchBrowser();
        await use(browser);
        await browser.close();
      },
      { scope: 'file' },
    ],
  });
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
