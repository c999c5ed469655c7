// `allgo init` writes a manifest the platform accepts, whatever the provider typed.
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../common/manifest.js';
import { createValidators } from '../../schemas/index.js';
import { dockerfileText, manifestText, type Scaffold } from '../../cli/commands/init.js';

const validate = createValidators().manifest;
const base: Scaffold = { name: 'hello', title: 'Hello', version: '1.0', entrypoint: '/opt/hello/run.sh', base: 'debian:bookworm', tags: [] };

describe('manifestText', () => {
  it('is valid with only the required answers, and comments out the rest as examples', () => {
    const text = manifestText(base);
    expect(parseManifest(text, validate).manifest).toEqual({ version: '1.0', entrypoint: '/opt/hello/run.sh', title: 'Hello', memory: 1024, private: false });
    expect(text).toMatch(/^# queue: standard/m);
    expect(text).toMatch(/^# presets:/m);
  });

  it('writes every optional value given', () => {
    const text = manifestText({ ...base, memory: 256, cpus: 0.5, queue: 'batch', contact: 'ada@lab.example', tags: ['demo', 'shell'] });
    expect(parseManifest(text, validate).manifest).toMatchObject({ memory: 256, cpus: 0.5, queue: 'batch', contact: 'ada@lab.example', tags: ['demo', 'shell'] });
  });

  it('quotes values so YAML reads them back exactly: colons, quotes, hashes, numbers, unicode', () => {
    const tricky = { ...base, title: 'Count: "words" # fast', entrypoint: "python3 -c 'print(1)' --x=#y", version: '2.0', contact: 'é@x' };
    const m = parseManifest(manifestText(tricky), validate).manifest;
    expect(m).toMatchObject({ title: tricky.title, entrypoint: tricky.entrypoint, version: '2.0', contact: 'é@x' });
  });

  it('is refused by the schema when the values are bad, so init can say so before writing', () => {
    expect(() => parseManifest(manifestText({ ...base, memory: 5 }), validate)).toThrow(/`memory` must be >= 16/);
    expect(() => parseManifest(manifestText({ ...base, version: 'not a label' }), validate)).toThrow(/`version`/);
  });
});

describe('dockerfileText', () => {
  it('builds FROM the base and copies the directory to /opt/<name>', () => {
    const text = dockerfileText({ ...base, base: 'debian:bookworm-slim' });
    expect(text).toMatch(/^FROM debian:bookworm-slim$/m);
    expect(text).toMatch(/^COPY \. \/opt\/hello$/m);
  });
});
