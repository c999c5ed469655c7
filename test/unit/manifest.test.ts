// allgo.yaml → a validated manifest, or refusals that name the field and its line.
import { createHash } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { parseManifest, ManifestError, MANIFEST_MAX_BYTES } from '../../common/manifest.js';
import { createValidators } from '../../schemas/index.js';
import { refusal } from '../helpers/refusal.js';
import { webappSettings } from '../../common/webapp-manifest.js';

const validate = createValidators().manifest;
const parse = (source: string | Buffer) => parseManifest(source, validate);

/** The problems a refused manifest lists (fails the test if it was accepted). */
const problemsOf = (source: string | Buffer): string[] => refusal(() => parse(source), ManifestError, 'the manifest').problems;

const minimal = 'version: "1.0"\nentrypoint: /usr/local/bin/myapp\n';

describe('parseManifest: accepted manifests', () => {
  it('accepts version + entrypoint and fills the defaults (memory 1024 MB, public)', () => {
    const { manifest } = parse(minimal);
    expect(manifest).toEqual({ version: '1.0', entrypoint: '/usr/local/bin/myapp', memory: 1024, private: false });
  });

  it('labels the manifest with the sha256 of its bytes', () => {
    const { digest } = parse(minimal);
    expect(digest).toBe(createHash('sha256').update(minimal).digest('hex'));
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives the same digest for a Buffer as for the same text, and another for other bytes', () => {
    expect(parse(Buffer.from(minimal)).digest).toBe(parse(minimal).digest);
    expect(parse(minimal + '# a comment\n').digest).not.toBe(parse(minimal).digest);
  });

  it('accepts every documented field', () => {
    const source = [
      'version: 2.1-beta_3',
      'entrypoint: ["/app/run", "--fast"]',
      'title: My app',
      'description: Does *things*.',
      'contact: me@example.org',
      'os: debian 12',
      'memory: 2048',
      'cpus: 1.5',
      'queue: batch',
      'private: true',
      'tags: [bio, image-processing, c++]',
      'presets:',
      '  - name: quick',
      '    params: --quick "a b"',
      '  - name: empty',
      "    params: ''",
      'input_limit: 12.5',
      '',
    ].join('\n');
    expect(parse(source).manifest).toEqual({
      version: '2.1-beta_3',
      entrypoint: ['/app/run', '--fast'],
      title: 'My app',
      description: 'Does *things*.',
      contact: 'me@example.org',
      os: 'debian 12',
      memory: 2048,
      cpus: 1.5,
      queue: 'batch',
      private: true,
      tags: ['bio', 'image-processing', 'c++'],
      presets: [
        { name: 'quick', params: '--quick "a b"' },
        { name: 'empty', params: '' },
      ],
      input_limit: 12.5,
    });
  });

  it('keeps an explicit memory and private rather than the defaults', () => {
    const { manifest } = parse(minimal + 'memory: 16\nprivate: true\n');
    expect(manifest.memory).toBe(16);
    expect(manifest.private).toBe(true);
  });

  it('accepts a manifest of exactly 64 KiB', () => {
    const padding = '#'.repeat(MANIFEST_MAX_BYTES - Buffer.byteLength(minimal) - 1) + '\n';
    const source = minimal + padding;
    expect(Buffer.byteLength(source)).toBe(64 * 1024);
    expect(parse(source).manifest.version).toBe('1.0');
  });
});

describe('parseManifest: refusals name the field and the line', () => {
  it('refuses an unknown field, naming it and its line', () => {
    const problems = problemsOf(minimal + 'memroy: 12\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('allgo.yaml:3');
    expect(problems[0]).toContain('memroy');
  });

  it('refuses an unknown field inside a preset, naming its path and line', () => {
    const problems = problemsOf(minimal + 'presets:\n  - name: a\n    params: b\n    colour: red\n');
    expect(problems).toEqual([expect.stringMatching(/^allgo\.yaml:6: .*presets\.0\.colour/)]);
  });

  it('refuses a `__proto__` key as an unknown field, without it reaching the prototype', () => {
    const problems = problemsOf(minimal + '__proto__: {private: true}\n');
    expect(problems).toEqual([expect.stringMatching(/^allgo\.yaml:3: unknown field `__proto__`/)]);
    expect(({} as { private?: unknown }).private).toBeUndefined();
  });

  it('refuses a field of the wrong type (`memory: lots`)', () => {
    const problems = problemsOf(minimal + 'memory: lots\n');
    expect(problems).toEqual([expect.stringMatching(/^allgo\.yaml:3: .*memory.*integer/)]);
  });

  it('refuses a version written as a YAML number rather than a string', () => {
    expect(problemsOf('version: 1.0\nentrypoint: a\n')).toEqual([expect.stringMatching(/^allgo\.yaml:1: .*version.*string/)]);
  });

  it('hints at the field a near-miss meant: `memroy` → did you mean `memory`?', () => {
    expect(problemsOf(minimal + 'memroy: 12\n')).toEqual(['allgo.yaml:3: unknown field `memroy` (did you mean `memory`?)']);
    expect(problemsOf(minimal + 'entrypiont_x_y: 1\n')[0]).not.toContain('did you mean');
    expect(problemsOf(minimal + 'presets:\n  - name: a\n    parms: b\n')).toContainEqual(expect.stringContaining('(did you mean `params`?)'));
  });

  it('shows how to quote a number where a string is needed, as the provider wrote it', () => {
    expect(problemsOf('version: 1.10\nentrypoint: a\n')).toEqual(['allgo.yaml:1: `version` must be string: quote it: `version: "1.10"`']);
  });

  it('refuses a preset the API could not split, naming it and its line (an unbalanced quote)', () => {
    expect(problemsOf(minimal + 'presets:\n  - {name: fine, params: "-n 3"}\n  - name: broken\n    params: "-t \'a b"\n')).toEqual([
      expect.stringMatching(/^allgo\.yaml:6: preset `broken`: .*quote/),
    ]);
  });

  it('refuses a memory below the minimum (`memory: 1`), saying the bound', () => {
    const problems = problemsOf(minimal + 'memory: 1\n');
    expect(problems).toEqual([expect.stringMatching(/^allgo\.yaml:3: .*memory.*16/)]);
  });

  it('refuses cpus: 0 (it must be above zero)', () => {
    expect(problemsOf(minimal + 'cpus: 0\n')).toEqual([expect.stringMatching(/^allgo\.yaml:3: .*cpus/)]);
  });

  it('refuses a tag that breaks the pattern, pointing at the tag’s own line', () => {
    const problems = problemsOf(minimal + 'tags:\n  - good\n  - Bad Tag\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^allgo\.yaml:5: /);
    expect(problems[0]).toContain('tags.1');
  });

  it('refuses a version label with a space in it', () => {
    const problems = problemsOf('entrypoint: a\nversion: "1 0"\n');
    expect(problems).toEqual([expect.stringMatching(/^allgo\.yaml:2: .*`version` has a bad value/)]);
  });

  it('refuses an entrypoint that is neither a string nor a list of strings', () => {
    const problems = problemsOf('version: "1"\nentrypoint: 5\n');
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) expect(p).toMatch(/^allgo\.yaml:2: `entrypoint`/);
    expect(problems.join('\n')).toContain('must be a string or a list of strings');
  });

  it('refuses an empty entrypoint list', () => {
    expect(problemsOf('version: "1"\nentrypoint: []\n').join('\n')).toMatch(/allgo\.yaml:2: `entrypoint`/);
  });

  it('refuses a manifest missing a required field, naming the field', () => {
    const problems = problemsOf('version: "1.0"\n');
    expect(problems).toEqual([expect.stringMatching(/^allgo\.yaml:1: missing required field `entrypoint`/)]);
  });

  it('lists every missing required field, not only the first', () => {
    const problems = problemsOf('title: nothing else\n').join('\n');
    expect(problems).toContain('`version`');
    expect(problems).toContain('`entrypoint`');
  });

  it('refuses a preset without params, naming `presets.0` and the line', () => {
    const problems = problemsOf(minimal + 'presets: [{name: x}]\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('allgo.yaml:3');
    expect(problems[0]).toContain('presets.0');
    expect(problems[0]).toContain('params');
  });

  it('points at the failing item of a block list of presets', () => {
    const problems = problemsOf(minimal + 'presets:\n  - name: a\n    params: b\n  - name: x\n');
    expect(problems).toEqual([expect.stringMatching(/^allgo\.yaml:6: missing required field `presets\.1\.params`/)]);
  });

  it('reports several problems at once, each with its own line', () => {
    const problems = problemsOf(minimal + 'memory: 1\nmemroy: 2\n');
    expect(problems).toHaveLength(2);
    expect(problems).toContainEqual(expect.stringMatching(/^allgo\.yaml:3: .*memory/));
    expect(problems).toContainEqual(expect.stringMatching(/^allgo\.yaml:4: .*memroy/));
  });
});

describe('parseManifest: documents that are not a manifest', () => {
  it('refuses a YAML syntax error, giving its line', () => {
    const problems = problemsOf('version: "1"\nentrypoint: "/bin/app\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^allgo\.yaml:\d+: not valid YAML/);
  });

  it('gives the line of the YAML error, not line 1', () => {
    const problems = problemsOf('version: "1"\nentrypoint: a\nmemory: 64\n  bad: indent\n');
    expect(problems[0]).toMatch(/^allgo\.yaml:[2-4]: not valid YAML/);
  });

  it('refuses a document that is a list', () => {
    expect(problemsOf('- version: "1"\n- entrypoint: a\n')).toEqual([expect.stringMatching(/^allgo\.yaml: must be a mapping.*not a list/)]);
  });

  it('refuses an empty document', () => {
    expect(problemsOf('')).toEqual([expect.stringMatching(/^allgo\.yaml: must be a mapping.*not empty/)]);
  });

  it('refuses a document of comments only, as empty', () => {
    expect(problemsOf('# just a comment\n')).toEqual([expect.stringMatching(/not empty/)]);
  });

  it('refuses a document that is a plain string', () => {
    expect(problemsOf('hello\n')).toEqual([expect.stringMatching(/^allgo\.yaml: must be a mapping/)]);
  });

  it('refuses a duplicate key, giving the line of the second one', () => {
    const problems = problemsOf('version: "1"\nentrypoint: a\nversion: "2"\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^allgo\.yaml:3: /);
    expect(problems[0]).toMatch(/unique/i);
  });

  it('refuses several YAML documents in one file', () => {
    expect(problemsOf(minimal + '---\nversion: "2"\n')[0]).toMatch(/^allgo\.yaml:\d+: not valid YAML/);
  });

  it('refuses a "billion laughs" alias bomb without expanding it', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    const names = 'bcdefghij';
    let prev = 'a';
    for (const n of names) {
      lines.push(`${n}: &${n} [${Array(9).fill('*' + prev).join(',')}]`);
      prev = n;
    }
    const problems = problemsOf(lines.join('\n') + '\nversion: "1"\nentrypoint: x\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^allgo\.yaml: /);
    expect(problems[0]).toMatch(/alias/i);
  });

  it('refuses a manifest over 64 KiB, naming the limit', () => {
    const source = minimal + '# ' + 'x'.repeat(MANIFEST_MAX_BYTES) + '\n';
    const problems = problemsOf(source);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('64 KiB');
    expect(problems[0]).toContain(`${Buffer.byteLength(source)} bytes`);
  });

  it('counts the limit in bytes, not characters', () => {
    // 33,000 two-byte characters: well under the description's 60,000 characters, over 64 KiB.
    const source = minimal + 'description: "' + 'é'.repeat(33_000) + '"\n';
    expect(source.length).toBeLessThan(MANIFEST_MAX_BYTES);
    expect(problemsOf(source)[0]).toContain('64 KiB');
  });

  it('names the file it was given in every message', () => {
    expect(() => parseManifest('memroy: 1\n', validate, 'app/allgo.yml')).toThrow(/^app\/allgo\.yml:1: /);
  });
});

describe('parseManifest: kind webapp', () => {
  const webapp = 'version: "1.0"\nentrypoint: python3 /app/serve.py\nkind: webapp\n';

  it('accepts a webapp with its port, health path and timeouts, and fills the defaults of those left out', () => {
    const { manifest } = parse(`${webapp}port: 8000\nhealth: /healthz\nidle_timeout: 10m\n`);
    expect(webappSettings(manifest)).toEqual({ port: 8000, health: '/healthz', idleTimeoutMs: 600_000, maxAgeMs: 8 * 3_600_000 });
    expect(webappSettings(parse(`${webapp}port: 8000\n`).manifest)).toMatchObject({ health: null, idleTimeoutMs: 30 * 60_000 });
  });

  it('refuses a webapp without a port, naming the field to add', () => {
    expect(problemsOf(webapp)).toEqual(['allgo.yaml:3: a webapp needs `port`: the TCP port it listens on inside its container, e.g. `port: 8000`']);
  });

  it('refuses the webapp-only fields on a job app, with their lines', () => {
    expect(problemsOf(`${minimal}port: 8000\nmax_age: 1h\n`)).toEqual([
      'allgo.yaml:3: `port` is for `kind: webapp` apps; add `kind: webapp` or remove it',
      'allgo.yaml:4: `max_age` is for `kind: webapp` apps; add `kind: webapp` or remove it',
    ]);
  });

  it('refuses a bad port, a health path that is not a path, a malformed or zero duration and an unknown kind', () => {
    expect(problemsOf(`${webapp}port: 70000\n`)[0]).toMatch(/^allgo\.yaml:4: .*port.*65535/);
    expect(problemsOf(`${webapp}port: 80\nhealth: healthz\n`)[0]).toMatch(/^allgo\.yaml:5: .*health/);
    expect(problemsOf(`${webapp}port: 80\nidle_timeout: soon\n`)[0]).toMatch(/^allgo\.yaml:5: .*idle_timeout/);
    expect(problemsOf(`${webapp}port: 80\nidle_timeout: 0s\n`)).toEqual(['allgo.yaml:5: `idle_timeout` must be at least 1s']);
    expect(problemsOf('version: "1.0"\nentrypoint: x\nkind: server\n')[0]).toMatch(/^allgo\.yaml:3: .*kind/);
  });
});
