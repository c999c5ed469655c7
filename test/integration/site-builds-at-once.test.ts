// Two catalog builds at once from the same installation (two data dirs, as two test files or two
// servers on one checkout have): each must finish with its own site. Astro puts the server half
// of a static build in <cwd>/.astro/ when the output folder is outside the current directory, so
// builds run from site/ overwrote and deleted each other's renderers.mjs there.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../server/store/index.js';
import { loadConfig } from '../../common/config.js';
import { buildSite, siteDir } from '../../server/site/build-site.js';
import { publishApp } from '../../support/seed-store.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('catalog builds at once', () => {
  it('each of several concurrent builds finishes with its own site', async () => {
    const builds = Array.from({ length: 3 }, (_, i) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'allgo-site-at-once-'));
      dirs.push(dataDir);
      const store = openStore(':memory:');
      const owner = store.users.create({ name: 'ada', email: 'ada@example.org' }).user;
      publishApp(store, { name: `app-${i}`, owner });
      const config = loadConfig({ ALLGO_DATA_DIR: dataDir, ALLGO_PUBLIC_URL: 'http://127.0.0.1:1' });
      return buildSite({ store, config, log: pino({ level: 'silent' }) }).finally(() => store.close()).then(() => dataDir);
    });
    const built = await Promise.all(builds);
    built.forEach((dataDir, i) => expect(readFileSync(join(siteDir(dataDir), 'index.html'), 'utf8')).toContain(`/apps/app-${i}/`));
  });
});
