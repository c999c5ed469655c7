// The config's `site` section: the catalog is built by default, two seconds after the last change.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../common/config.js';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'allgo-unit-site-config-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

describe('config: site', () => {
  it('builds the site by default, debounced by 2 s', () => {
    expect(loadConfig({ ALLGO_DATA_DIR: dataDir }).site).toEqual({ enabled: true, debounceMs: 2000 });
  });

  it('reads enabled and debounce from the file', () => {
    writeFileSync(join(dataDir, 'config.yaml'), 'site:\n  enabled: false\n  debounce: 500ms\n');
    expect(loadConfig({ ALLGO_DATA_DIR: dataDir }).site).toEqual({ enabled: false, debounceMs: 500 });
  });

  it('refuses a debounce that is not a duration, naming the field', () => {
    writeFileSync(join(dataDir, 'config.yaml'), 'site:\n  debounce: soon\n');
    expect(() => loadConfig({ ALLGO_DATA_DIR: dataDir })).toThrow(ConfigError);
    expect(() => loadConfig({ ALLGO_DATA_DIR: dataDir })).toThrow(/site\.debounce/);
  });
});
