// The proof that a version's CWL export is real: Debian's cwltool validates it, then runs it on
// the local Docker engine with the same inputs as an allgo job of the same version, and the
// same outputs come out. The probe's `report` action writes what it was given to report.txt.
import { describe, expect } from 'vitest';
import { appendFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { waitForJob } from '../helpers/platform.js';
import { platformTest } from '../helpers/platform-test.js';

const TYPED = `command: [report]
parameters:
  - {id: image, type: file, accept: [.txt], required: true, position: 2}
  - {id: frac, type: number, minimum: 0, maximum: 1, default: 0.5, flag: -f}
  - {id: iters, type: integer, flag: --iters, separate: false}
  - {id: mode, type: enum, choices: [fast, slow], default: fast, flag: --mode}
  - {id: mask, type: boolean, flag: -m}
  - {id: tags, type: string, list: true, flag: -t}
  - {id: weights, type: number, list: true, item_separator: ",", flag: --w}
  - {id: label, type: string, position: 1}
`;

const test = platformTest().extend<{ typed: string }>({
  typed: [async ({ platform }, use) => use(await platform.pushProbe((dir) => appendFileSync(join(dir, 'allgo.yaml'), TYPED), 'cwl')), { scope: 'file' }],
});

function cwltool(args: string[], cwd: string): { code: number | null; out: string } {
  const r = spawnSync('cwltool', ['--quiet', ...args], { cwd, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe('the CWL export', () => {
  test('passes cwltool --validate, and cwltool running it gives the outputs the allgo job gives', async ({ platform: p, typed, tempDir }) => {
    const dir = tempDir('allgo-cwl-');
    const res = await p.api(`/api/v1/apps/${typed}/versions/1.0/cwl`);
    expect(res.status).toBe(200);
    writeFileSync(join(dir, 'tool.cwl'), await res.text());
    const validated = cwltool(['--validate', 'tool.cwl'], dir);
    expect(validated.code, validated.out).toBe(0);
    expect(validated.out).toMatch(/is valid CWL/);

    const values = { frac: 0.25, iters: 3, mask: true, tags: ['a b', 'c'], weights: [0.5, 2], label: 'first' };
    writeFileSync(join(dir, 'scan.txt'), 'pixels\n');
    writeFileSync(join(dir, 'inputs.json'), JSON.stringify({ ...values, image: { class: 'File', path: join(dir, 'scan.txt') } }));
    const ran = cwltool(['--outdir', join(dir, 'out'), 'tool.cwl', 'inputs.json'], dir);
    expect(ran.code, ran.out).toBe(0);

    const form = new FormData();
    form.append('job[webapp_id]', typed);
    for (const [id, v] of Object.entries(values)) for (const item of Array.isArray(v) ? v : [v]) form.append(`job[params][${id}]`, String(item));
    form.append('files[image]', new Blob(['pixels\n']), 'scan.txt');
    const submitted = await p.api('/api/v1/jobs', { method: 'POST', token: p.adminToken, body: form });
    expect(submitted.status).toBe(200);
    const job = await waitForJob(p, ((await submitted.json()) as { id: number }).id, p.adminToken);
    expect(job.result).toBe('success');

    const outputs = (job.files as { name: string; url: string; kind: string }[]).filter((f) => f.kind === 'output');
    expect(outputs.map((f) => f.name).sort()).toEqual(readdirSync(join(dir, 'out')).sort());
    for (const f of outputs) expect(await (await fetch(f.url)).text()).toBe(readFileSync(join(dir, 'out', f.name), 'utf8'));
    // Not two empty reports: the values and the file reached the program.
    expect(readFileSync(join(dir, 'out', 'report.txt'), 'utf8')).toBe(
      ['arg=-f', 'arg=0.25', 'arg=--iters=3', 'arg=-m', 'arg=--mode', 'arg=fast', 'arg=-t', 'arg=a b', 'arg=-t', 'arg=c', 'arg=--w', 'arg=0.5,2', 'arg=first', 'file=scan.txt:pixels', ''].join('\n'),
    );
  });
});
