// Typed parameters from the compiled CLI and the library: `allgo app APP` tables them,
// `allgo run APP --help-params` prints them as a tool's --help would, `--set ID=VALUE` (and
// `ID=@FILE`) runs a job with them, and `new App(name).run({ params: {…} })` does the same.
import { describe, expect } from 'vitest';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allgo, cliTest } from '../helpers/cli.js';
import { ApiError, App } from '../../client/index.js';

const TYPED = `command: [report]
parameters:
  - {id: image, type: file, accept: [.txt], required: true, position: 2, label: Scan, help: The input scan.}
  - {id: frac, type: number, minimum: 0, maximum: 1, default: 0.5, flag: -f, label: Fraction kept}
  - {id: mode, type: enum, choices: [fast, slow], default: fast, flag: --mode}
  - {id: tags, type: string, list: true, max_items: 2, flag: -t, group: Advanced}
presets:
  - {name: gentle, values: {frac: 0.2}}
`;

const test = cliTest().extend<{ typed: string }>({
  typed: [async ({ platform }, use) => use(await platform.pushProbe((dir) => appendFileSync(join(dir, 'allgo.yaml'), TYPED), 'clityped')), { scope: 'file' }],
});

describe('the CLI with typed parameters', () => {
  test('allgo app APP shows the parameters as a table', async ({ typed, home, userEnv: env }) => {
    const r = await allgo(['app', typed], { home, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^PARAMETER\s+TYPE\s+DEFAULT\s+FLAG\s+LABEL$/m);
    expect(r.stdout).toMatch(/^image \*\s+file \(\.txt\)\s+-\s+-\s+Scan$/m);
    expect(r.stdout).toMatch(/^frac\s+number 0\.\.1\s+0\.5\s+-f\s+Fraction kept$/m);
    expect(r.stdout).toMatch(/^gentle\s+frac=0\.2$/m);
  });

  test('allgo run APP --help-params prints them as a --help would', async ({ typed, home, userEnv: env }) => {
    const r = await allgo(['run', typed, '--help-params'], { home, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`usage: allgo run ${typed} --version 1.0 --set image=@FILE [--set ID=VALUE …]`);
    expect(r.stdout).toMatch(/^ {2}--set frac=VALUE\s+Fraction kept \(number 0\.\.1, default 0\.5\)$/m);
    expect(r.stdout).toMatch(/^ {2}--set image=@FILE\s+Scan \(file \(\.txt\), required\)\n\s+The input scan\.$/m);
    expect(r.stdout).toMatch(/^Advanced:\n {2}--set tags=VALUE\s+tags \(list of string \(at most 2\)\)$/m);
  });

  test('--set runs a job with typed values and uploads @FILE; the results leave the input out', async ({ typed, home, userEnv: env, tempDir }) => {
    const work = tempDir();
    writeFileSync(join(work, 'scan.txt'), 'pixels');
    const r = await allgo(['run', typed, '--set', 'frac=0.3', '--set', 'image=@scan.txt', '--set', 'tags=a b', '--set', 'tags=c', '--wait', '--out', 'results'], { home, env, cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(join(work, 'results')).sort()).toEqual(['allgo.log', 'report.txt']);
    expect(readFileSync(join(work, 'results', 'report.txt'), 'utf8')).toBe('arg=-f\narg=0.3\narg=--mode\narg=fast\narg=-t\narg=a b\narg=-t\narg=c\nfile=scan.txt:pixels\n');
  });

  test('a refused value is one line naming the parameter, and nothing runs', async ({ typed, home, userEnv: env, tempDir }) => {
    const work = tempDir();
    writeFileSync(join(work, 'scan.txt'), 'pixels');
    const r = await allgo(['run', typed, '--set', 'frac=2', '--set', 'image=@scan.txt'], { home, env, cwd: work });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('frac: must be at most 1');
  });
});

describe('the library with typed parameters', () => {
  test('App.run({ params }) sends typed values and files on disk, and refusals name the parameter', async ({ platform: p, typed, user, home, tempDir }) => {
    const work = tempDir();
    writeFileSync(join(work, 'scan.txt'), 'from disk');
    const app = new App<{ frac: number; mode?: 'fast' | 'slow'; image: { path: string } }>(typed, { url: p.url, token: user.token, env: {}, home });
    const job = await app.run({ params: { frac: 0.25, mode: 'slow', image: { path: join(work, 'scan.txt') } }, outDir: join(work, 'out') });
    expect(job).toMatchObject({ result: 'success', params: { frac: 0.25, mode: 'slow', image: 'scan.txt' } });
    expect(job.outputs.map((o) => o.name).sort()).toEqual(['allgo.log', 'report.txt']);
    expect(readFileSync(join(work, 'out', 'report.txt'), 'utf8')).toBe('arg=-f\narg=0.25\narg=--mode\narg=slow\nfile=scan.txt:from disk\n');
    const refused = await app.run({ params: { frac: 3, image: { path: join(work, 'scan.txt') } } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 400, code: 'bad_param', param: 'frac', message: 'frac: must be at most 1' });
  });
});
