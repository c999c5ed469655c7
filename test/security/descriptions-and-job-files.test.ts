// Issue 9, findings 3 and 6: what one app or one job can make every reader of it pay.
// - 3: a 19.5 MB README was stored as the description and returned in every anonymous
//   GET /api/v1/apps. A README over 64 KiB is now refused at push, naming its size, and lists
//   carry a summary.
// - 6: 100k small files counted about 100 KB against the output limit while they took 472 MB
//   of blocks and 120k inodes, and the job's answer listed them all. Blocks are counted, and
//   runner.max_files caps the entries; the answer names at most 1000 files in any case
//   (test/unit/job-answer-files.test.ts).
import { describe, expect } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitForJob } from '../helpers/platform.js';
import { platformTest } from '../helpers/platform-test.js';
import { fixtureRepo, push } from '../helpers/git.js';

const KiB = 1024;
const MAX_FILES = 200;

const test = platformTest({ configYaml: `runner: {max_files: ${MAX_FILES}, output_mb: 0.5}\n` });

/** The probe with no description in allgo.yaml, so README.md becomes it. */
const withReadme = (readme: string) =>
  fixtureRepo('probe', (dir) => {
    writeFileSync(join(dir, 'allgo.yaml'), 'version: "1.0"\nentrypoint: /usr/local/bin/probe\nmemory: 64\n');
    writeFileSync(join(dir, 'README.md'), readme);
  });

describe('finding 3: descriptions are bounded', () => {
  test('a README.md over 64 KiB is refused at push, naming its size', async ({ platform: p }) => {
    const app = p.appName('readme');
    const pushed = await push(withReadme('r'.repeat(70 * KiB)), p.url, app, 'admin', p.adminToken);
    expect(pushed.code).not.toBe(0);
    expect(pushed.output).toMatch(/README\.md at [0-9a-f]{12} is 71680 bytes, over the 64 KiB an app's description may be/);
    expect((await p.api(`/api/v1/apps/${app}`)).status).toBe(404);
  });

  test('a list of apps carries a summary of each, the app itself its whole description', async ({ platform: p }) => {
    const app = p.appName('readme');
    const first = 'word '.repeat(100).trim();
    const readme = `${first}\n\n${'more '.repeat(12 * KiB)}`;
    const pushed = await push(withReadme(readme), p.url, app, 'admin', p.adminToken);
    expect(pushed.code, pushed.output).toBe(0);
    const list = await (await p.api('/api/v1/apps')).text();
    const entry = (JSON.parse(list) as { apps: Record<string, unknown>[] }).apps.find((a) => a.name === app)!;
    expect(entry).not.toHaveProperty('description');
    expect(entry.summary).toBe(`${first.slice(0, 199)}…`);
    expect(list.length).toBeLessThan(16 * KiB);
    const detail = (await (await p.api(`/api/v1/apps/${app}`)).json()) as { description: string };
    expect(detail.description).toBe(readme);
  });
});

describe('finding 6: many small files', () => {
  test(`a job that makes more than runner.max_files (${MAX_FILES}) files is stopped, and its answer stays small`, async ({ platform: p, probe }) => {
    const id = await p.submit(probe, `bash 'for i in $(seq 1 2000); do : > f$i; done; sleep 60'`);
    const job = await waitForJob(p, id, p.adminToken);
    expect(job).toMatchObject({ result: 'error', message: `killed: it made more than ${MAX_FILES} files, the limit of a job's folder` });
    // What it kept, and its log: the answer's list is bounded by the cap, not by what the job made.
    expect((job.files as unknown[]).length).toBeLessThanOrEqual(MAX_FILES + 1);
  });

  test('small files weigh their blocks: 190 one-byte files (760 KiB of blocks, 190 bytes long) go over an output limit of 512 KiB', async ({ platform: p, probe }) => {
    const id = await p.submit(probe, `bash 'for i in $(seq 1 190); do printf x > f$i; done; sleep 60'`);
    const job = await waitForJob(p, id, p.adminToken);
    expect(job).toMatchObject({ result: 'error', message: expect.stringContaining('killed: its files went over the output limit') });
  });
});
