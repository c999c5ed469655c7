// Typed parameters through the API: a version publishes its parameters and input schema, a job
// takes job[params][ID] and files[ID] (or a JSON body), runs with the argv they build, answers
// with its values (secrets masked), and every bad value is a 400 naming its parameter.
// Real server, Redis, Docker; the probe's `args` action prints each argument it was given.
import { describe, expect } from 'vitest';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitForJob, type Platform } from '../helpers/platform.js';
import { platformTest } from '../helpers/platform-test.js';
import { exampleRepo, fixtureRepo, push } from '../helpers/git.js';

const TYPED = `command: [args]
parameters:
  - {id: image, type: file, accept: [.txt, .nii.gz], required: true, position: 2, label: Image}
  - {id: frac, type: number, minimum: 0, maximum: 1, default: 0.5, flag: -f}
  - {id: iters, type: integer, minimum: 1, flag: --iters, separate: false}
  - {id: mode, type: enum, choices: [fast, slow], default: fast, flag: --mode}
  - {id: mask, type: boolean, flag: -m}
  - {id: tags, type: string, list: true, max_items: 2, flag: -t}
  - {id: token, type: string, secret: true, flag: --token, group: Advanced}
presets:
  - name: gentle
    values: {frac: 0.2}
`;

const test = platformTest().extend<{ typed: string }>({
  typed: [async ({ platform }, use) => use(await platform.pushProbe((dir) => appendFileSync(join(dir, 'allgo.yaml'), TYPED), 'typed')), { scope: 'file' }],
});

function form(fields: [string, string][], files: [string, string, string][] = []): FormData {
  const f = new FormData();
  for (const [k, v] of fields) f.append(k, v);
  for (const [k, name, content] of files) f.append(k, new Blob([content]), name);
  return f;
}

async function post(p: Platform, body: FormData | object) {
  const init = body instanceof FormData ? { body } : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
  const res = await p.api('/api/v1/jobs', { method: 'POST', token: p.adminToken, ...init });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const argsOf = async (p: Platform, id: number): Promise<string[]> =>
  (await (await p.api(`/api/v1/jobs/${id}/log`, { token: p.adminToken })).text()).split('\n').filter((l) => l.startsWith('arg=')).map((l) => l.slice(4));

describe('typed parameters: the push', () => {
  test('refuses bad parameters in git\'s output, naming each field and its line, and publishes nothing', async ({ platform: p }) => {
    const app = p.appName('badparams');
    const manifest = `version: "1.0"
entrypoint: /usr/local/bin/probe
parameters:
  - {id: a, type: string, flag: -a}
  - {id: a, type: string, flag: -b}
  - {id: frac, type: number, flag: -f, maximum: 1, default: 2}
  - {id: x, type: string, position: 3}
  - {id: y, type: string, position: 3}
  - {id: s, type: string, flag: -s, pattern: "(["}
  - {id: r, type: string, flag: -r, required: true, default: z}
`;
    const r = await push(fixtureRepo('probe', (dir) => writeFileSync(join(dir, 'allgo.yaml'), manifest)), p.url, app, 'admin', p.adminToken);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/remote:\s+allgo\.yaml:5: parameter `a`: the id is already used/);
    expect(r.output).toMatch(/remote:\s+allgo\.yaml:8: parameter `y`: parameters `x` and `y` are both positional/);
    expect(r.output).toMatch(/remote:\s+allgo\.yaml:9: parameter `s`: `pattern` is not a valid regular expression/);
    expect(r.output).toMatch(/remote:\s+allgo\.yaml:10: parameter `r`: a required parameter takes no default/);
    expect(r.output).toContain('pre-receive hook declined');
    // The default is checked once the parameters themselves are sound.
    const second = await push(fixtureRepo('probe', (dir) => writeFileSync(join(dir, 'allgo.yaml'), 'version: "1.0"\nentrypoint: /usr/local/bin/probe\nparameters:\n  - {id: frac, type: number, flag: -f, maximum: 1, default: 2}\n')), p.url, app, 'admin', p.adminToken);
    expect(second.output).toMatch(/remote:\s+allgo\.yaml:4: parameter `frac`: the default 2 is outside its own rules: it must be at most 1/);
    expect((await p.api(`/api/v1/apps/${app}`, { token: p.adminToken })).status).toBe(404);
  });
});

describe('typed parameters: describing', () => {
  test('GET /api/v1/apps/NAME gives each version its parameters and the JSON Schema of its inputs', async ({ platform: p, typed, probe }) => {
    const app = (await (await p.api(`/api/v1/apps/${typed}`)).json()) as { versions: Record<string, unknown>[]; presets: unknown[] };
    const v = app.versions[0] as { parameters: { id: string }[]; free_params: boolean; input_schema: Record<string, unknown> };
    expect(v.parameters.map((x) => x.id)).toEqual(['image', 'frac', 'iters', 'mode', 'mask', 'tags', 'token']);
    expect(v.free_params).toBe(false);
    expect(v.input_schema).toMatchObject({ type: 'object', additionalProperties: false, required: ['image'], properties: { frac: { type: 'number', minimum: 0, maximum: 1, default: 0.5 }, token: { writeOnly: true } } });
    expect(app.presets).toEqual([{ name: 'gentle', params: '', values: { frac: 0.2 } }]);
    const plain = (await (await p.api(`/api/v1/apps/${probe}`)).json()) as { versions: Record<string, unknown>[] };
    expect(plain.versions[0]).toMatchObject({ parameters: [], free_params: true, input_schema: { type: 'object', properties: {} } });
  });
});

describe('typed parameters: running', () => {
  test('job[params][ID] and files[ID] build the argv in position order; the answer shows the values, the secret masked', async ({ platform: p, typed }) => {
    const { status, body } = await post(
      p,
      form(
        [['job[webapp_id]', typed], ['job[params][frac]', '0.3'], ['job[params][iters]', '3'], ['job[params][mask]', 'true'], ['job[params][tags]', 'a b'], ['job[params][tags]', 'c'], ['job[params][token]', 's3cr3t-value']],
        [['files[image]', 'brain.nii.gz', 'pixels']],
      ),
    );
    expect(status, JSON.stringify(body)).toBe(200);
    const job = await waitForJob(p, body.id as number, p.adminToken);
    expect(job).toMatchObject({ result: 'success', param: '', params: { image: 'brain.nii.gz', frac: 0.3, iters: 3, mode: 'fast', mask: true, tags: ['a b', 'c'], token: '********' } });
    expect(await argsOf(p, job.id as number)).toEqual(['-f', '0.3', '--iters=3', '-m', '--mode', 'fast', '-t', 'a b', '-t', 'c', '--token', 's3cr3t-value', '/job/brain.nii.gz']);
    expect(job.files).toContainEqual(expect.objectContaining({ name: 'brain.nii.gz', kind: 'input' }));
    const list = await (await p.api('/api/v1/jobs?limit=5', { token: p.adminToken })).text();
    expect(list).not.toContain('s3cr3t-value');
  });

  test('a JSON body {app, params} runs a job without files (here, with the file parameter missing: refused)', async ({ platform: p, typed, probe }) => {
    expect(await post(p, { app: typed, params: { frac: 0.1 } })).toEqual({ status: 400, body: { error: 'image: a value is required', code: 'bad_param', param: 'image' } });
    const { status, body } = await post(p, { app: probe, param: 'args x "y z"' });
    expect(status).toBe(200);
    expect(await waitForJob(p, body.id as number, p.adminToken)).toMatchObject({ result: 'success', params: null });
    expect(await argsOf(p, body.id as number)).toEqual(['x', 'y z']);
  });

  test('an app without parameters still takes free text and files[0], as A||GO clients send them', async ({ platform: p, probe }) => {
    const { body } = await post(p, form([['job[webapp_id]', probe], ['job[param]', 'args in.txt']], [['files[0]', 'in.txt', 'hi']]));
    const job = await waitForJob(p, body.id as number, p.adminToken);
    expect(job).toMatchObject({ result: 'success', param: 'args in.txt', params: null });
    expect(job.files).toContainEqual(expect.objectContaining({ name: 'in.txt', kind: 'input' }));
  });
});

describe('typed parameters: refusals name the parameter', () => {
  const file: [string, string, string][] = [['files[image]', 'a.txt', 'x']];
  const cases: [string, [string, string][], [string, string, string][], string, string][] = [
    ['out of bounds', [['job[params][frac]', '2']], file, 'frac', 'frac: must be at most 1'],
    ['wrong type', [['job[params][iters]', 'many']], file, 'iters', 'iters: must be a whole number'],
    ['a choice not offered', [['job[params][mode]', 'medium']], file, 'mode', 'mode: must be one of fast, slow'],
    ['an unknown id', [['job[params][colour]', 'red']], file, 'colour', 'colour: no such parameter (this version takes image, frac, iters, mode, mask, tags, token)'],
    ['too many items', [['job[params][tags]', 'a'], ['job[params][tags]', 'b'], ['job[params][tags]', 'c']], file, 'tags', 'tags: takes at most 2 values'],
    ['a file of the wrong extension', [], [['files[image]', 'a.png', 'x']], 'image', 'image: must be a file ending in .txt or .nii.gz'],
    ['a missing required value', [['job[params][frac]', '0.1']], [], 'image', 'image: a value is required'],
  ];
  for (const [what, fields, files, param, error] of cases) {
    test(what, async ({ platform: p, typed }) => {
      expect(await post(p, form([['job[webapp_id]', typed], ...fields], files))).toEqual({ status: 400, body: { error, code: 'bad_param', param } });
    });
  }

  test('free text for a typed app without free_params', async ({ platform: p, typed }) => {
    const { status, body } = await post(p, form([['job[webapp_id]', typed], ['job[param]', '-x']], file));
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: 'bad_param', error: expect.stringMatching(/^job\[param\]: .* takes typed parameters/) });
  });

  test('typed values for an app without parameters', async ({ platform: p, probe }) => {
    expect(await post(p, { app: probe, params: { n: 1 } })).toMatchObject({ status: 400, body: { code: 'bad_param', param: 'n' } });
  });
});

describe('typed parameters: the examples', () => {
  test('examples/sample-lines runs with a file, a bounded number, a choice and a flag, and refuses a fraction over 1', async ({ platform: p }) => {
    const app = p.appName('sample-lines');
    expect((await push(exampleRepo('sample-lines'), p.url, app, 'admin', p.adminToken)).code).toBe(0);
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
    const fields: [string, string][] = [['job[webapp_id]', app], ['job[params][fraction]', '0.25'], ['job[params][from]', 'spread'], ['job[params][number]', 'true']];
    const { status, body } = await post(p, form(fields, [['files[text]', 'notes.txt', lines]]));
    expect(status, JSON.stringify(body)).toBe(200);
    const job = await waitForJob(p, body.id as number, p.adminToken);
    expect(job).toMatchObject({ result: 'success', params: { text: 'notes.txt', fraction: 0.25, from: 'spread', number: true } });
    const sample = (job.files as { name: string; url: string }[]).find((f) => f.name === 'sample.txt')!;
    expect(await (await fetch(sample.url)).text()).toBe('1\tline 1\n2\tline 5\n3\tline 9\n4\tline 13\n5\tline 17\n');
    expect(await post(p, form([['job[webapp_id]', app], ['job[params][fraction]', '1.5']], [['files[text]', 'notes.txt', lines]]))).toMatchObject({ status: 400, body: { param: 'fraction', error: 'fraction: must be at most 1' } });
  });
});
