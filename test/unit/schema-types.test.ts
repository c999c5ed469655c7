// schemas/types.ts is generated from the JSON Schemas: it must not drift from them.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, appendFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `node scripts/gen-types.mjs --check` in `dir`: its exit status and what it said. */
function check(dir: string): { status: number; stderr: string } {
  try {
    execFileSync(process.execPath, ['scripts/gen-types.mjs', '--check'], { cwd: dir, stdio: 'pipe', timeout: 60_000 });
    return { status: 0, stderr: '' };
  } catch (err) {
    const e = err as { status: number | null; stderr?: Buffer };
    return { status: e.status ?? -1, stderr: e.stderr?.toString() ?? '' };
  }
}

describe('schema types', () => {
  it('schemas/types.ts matches the JSON Schemas (gen-types --check exits 0)', () => {
    expect(check(root)).toEqual({ status: 0, stderr: '' });
  });

  it('the check fails on a copy whose types.ts has drifted', () => {
    const copy = mkdtempSync(join(tmpdir(), 'allgo-unit-gen-types-'));
    try {
      mkdirSync(join(copy, 'scripts'));
      cpSync(join(root, 'scripts', 'gen-types.mjs'), join(copy, 'scripts', 'gen-types.mjs'));
      cpSync(join(root, 'schemas'), join(copy, 'schemas'), { recursive: true });
      symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
      expect(check(copy).status).toBe(0);
      appendFileSync(join(copy, 'schemas', 'types.ts'), '\nexport type Drift = 1;\n');
      const drifted = check(copy);
      expect(drifted.status).toBe(1);
      expect(drifted.stderr).toContain('schemas/types.ts is out of date');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
