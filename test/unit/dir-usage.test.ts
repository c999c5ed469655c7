// A job folder is weighed the way the disk weighs it, and the walk stops at the limits.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dirUsage } from '../../runner/dir-usage.js';

const root = mkdtempSync(join(tmpdir(), 'allgo-dir-usage-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('dirUsage', () => {
  it('counts the blocks of many small files, not their bytes', async () => {
    const dir = join(root, 'small');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    for (let i = 0; i < 300; i++) writeFileSync(join(dir, i % 2 ? 'sub' : '', `f${i}`), 'x');
    const used = await dirUsage(dir);
    expect(used.entries).toBe(301);
    // Each one-byte file takes at least one block; their lengths add up to 300 bytes.
    expect(used.bytes).toBeGreaterThanOrEqual(300 * 512);
  });

  it('weighs a sparse file by its length, and a link without following it', async () => {
    const dir = join(root, 'sparse');
    mkdirSync(dir);
    writeFileSync(join(dir, 'hole'), '');
    truncateSync(join(dir, 'hole'), 50 * 1024 * 1024);
    symlinkSync('/', join(dir, 'root-link'));
    const used = await dirUsage(dir);
    expect(used.entries).toBe(2);
    expect(used.bytes).toBeGreaterThanOrEqual(50 * 1024 * 1024);
    expect(used.bytes).toBeLessThan(51 * 1024 * 1024);
  });

  it('stops walking once a limit is passed', async () => {
    const used = await dirUsage(join(root, 'small'), { bytes: Infinity, entries: 10 });
    expect(used.entries).toBe(11);
  });
});
