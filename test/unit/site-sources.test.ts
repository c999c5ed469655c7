// The digest that decides between an incremental and a full catalog rebuild: a template edit
// changes it, a build in progress (site/.builds) does not.
import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sourceDigest } from '../../server/site/site-sources.js';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function packageCopy(from?: string): string {
  const root = mkdtempSync(join(tmpdir(), 'allgo-site-sources-'));
  roots.push(root);
  if (from) cpSync(from, root, { recursive: true });
  else {
    const files: Record<string, string> = {
      'site/src/components/AppCard.astro': '<li class="card">{app.title}</li>\n',
      'client/browser/api.ts': 'export {};\n',
      'common/names.ts': 'export {};\n',
      'schemas/site-export.schema.json': '{}\n',
      'node_modules/astro/package.json': '{"version":"5.18.2"}\n',
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
    }
  }
  return root;
}

describe('the site sources digest', () => {
  it('changes when a template changes, and not for a build folder under site/', async () => {
    const base = packageCopy();
    const same = packageCopy(base);
    mkdirSync(join(same, 'site/.builds/20250101-000000-abcdef'), { recursive: true });
    writeFileSync(join(same, 'site/.builds/20250101-000000-abcdef/x.mjs'), 'export {};\n');
    const edited = packageCopy(base);
    writeFileSync(join(edited, 'site/src/components/AppCard.astro'), '<li class="card"><b>{app.title}</b></li>\n');
    const astro = packageCopy(base);
    writeFileSync(join(astro, 'node_modules/astro/package.json'), '{"version":"5.19.0"}\n');
    const digest = await sourceDigest(base);
    expect(await sourceDigest(same)).toBe(digest);
    expect(await sourceDigest(edited)).not.toBe(digest);
    expect(await sourceDigest(astro)).not.toBe(digest);
  });
});
