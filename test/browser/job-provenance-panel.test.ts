// The job page's "How this was made" panel in a real browser: the tool, its image and commit,
// every file with its SHA-256, links to the crate, and "Run again", which opens the re-run.
import { describe, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { waitForJob } from '../helpers/platform.js';
import { browserTest, signIn } from '../helpers/browser.js';

const test = browserTest({ site: { debounce: '200ms' } });

describe('how this was made', () => {
  test('shows the tool, the hashes and the crate\'s links, and runs the job again', async ({ platform: p, probe, browser }) => {
    const id = await p.submit(probe, 'write out.txt hi');
    await waitForJob(p, id, p.adminToken);
    const page = await (await browser.newContext()).newPage();
    await signIn(page, p.url, p.adminToken, `/jobs/?id=${id}`);
    const panel = page.locator('allgo-job-provenance section');
    await panel.waitFor({ state: 'visible' });
    const text = await panel.innerText();
    expect(text).toContain('How this was made');
    expect(text).toMatch(new RegExp(`Tool\\s+${probe} 1\\.0`));
    expect(text).toMatch(/Image\s+\S*sha256:[0-9a-f]{64}/);
    expect(text).toContain(createHash('sha256').update('hi\n').digest('hex'));
    await expect(panel.getByRole('link', { name: 'Provenance (RO-Crate JSON)' }).getAttribute('href')).resolves.toMatch(new RegExp(`/api/v1/jobs/${id}/provenance\\?key=\\w+$`));
    await expect(panel.getByRole('link', { name: 'Crate with outputs and log (zip)' }).getAttribute('href')).resolves.toMatch(new RegExp(`/api/v1/jobs/${id}/crate\\.zip\\?key=\\w+$`));

    await panel.getByRole('button', { name: 'Run again' }).click();
    await page.waitForURL((u) => u.pathname === '/jobs/' && u.searchParams.get('id') !== String(id));
    const again = Number(new URL(page.url()).searchParams.get('id'));
    expect(await waitForJob(p, again, p.adminToken)).toMatchObject({ result: 'success', rerun_of: id, param: 'write out.txt hi' });
  });
});
