// Push-time tests: `tests:` in allgo.yaml run in the job box after the image builds, before the
// version goes live. Each case shows in the push output; a failing one refuses the version and
// the push, with its output's tail. Real server, git, Redis and Docker.
import { describe, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { platformTest } from '../helpers/platform-test.js';
import { fixtureRepo, push } from '../helpers/git.js';

const test = platformTest();
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('push-time tests', () => {
  test('run each case in the job box, show each in the push output, and mark the version as tested', async ({ platform: p }) => {
    const app = p.appName('tested');
    const repo = fixtureRepo('probe', (dir) => {
      mkdirSync(join(dir, 'tests'));
      writeFileSync(join(dir, 'tests', 'small.txt'), '3 lines');
      appendFileSync(
        join(dir, 'allgo.yaml'),
        `tests:
  - name: writes
    params: "write out.txt hello"
    expect:
      files: [out.txt]
      contains: {out.txt: hello}
      sha256: {out.txt: ${sha('hello\n')}}
  - name: reads-input
    params: "report small.txt"
    inputs: [tests/small.txt]
    expect:
      contains: {report.txt: "file=small.txt:3 lines"}
  - name: exit-code
    params: "exit 3"
    expect:
      exit_code: 3
      matches: {allgo.log: "^exiting with \\\\d$"}
`,
      );
    });
    const r = await push(repo, p.url, app, 'admin', p.adminToken);
    expect(r.code, r.output).toBe(0);
    for (const name of ['writes', 'reads-input', 'exit-code']) expect(r.output).toMatch(new RegExp(`remote: test ${name} … ok \\(\\d+(\\.\\d)? s\\)`));
    const detail = (await (await p.api(`/api/v1/apps/${app}`, { token: p.adminToken })).json()) as { versions: { tests: { passed: boolean; cases: { name: string }[] } | null }[] };
    expect(detail.versions[0].tests).toMatchObject({ passed: true, cases: [{ name: 'writes' }, { name: 'reads-input' }, { name: 'exit-code' }] });
    const releases = (await (await p.api(`/api/v1/apps/${app}/releases`)).json()) as { releases: { tests_passed: number | null }[] };
    expect(releases.releases[0].tests_passed).toBe(3);
  });

  test('typed values: a file parameter names one of the inputs', async ({ platform: p }) => {
    const app = p.appName('typed');
    const repo = fixtureRepo('probe', (dir) => {
      writeFileSync(join(dir, 'data.txt'), 'typed input');
      writeFileSync(
        join(dir, 'allgo.yaml'),
        `version: "1.0"
entrypoint: [/usr/local/bin/probe, report]
memory: 64
parameters:
  - {id: text, type: file, position: 1}
  - {id: word, type: string, position: 2}
tests:
  - name: typed
    params: {text: data.txt, word: plain}
    inputs: [data.txt]
    expect:
      contains: {report.txt: "file=data.txt:typed input"}
      matches: {report.txt: "^arg=plain$"}
`,
      );
    });
    const r = await push(repo, p.url, app, 'admin', p.adminToken);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('remote: test typed … ok');
  });

  test('a failing case refuses the version and the push, with its reason and the tail of its output', async ({ platform: p }) => {
    const app = p.appName('failing');
    const repo = fixtureRepo('probe', (dir) =>
      appendFileSync(
        join(dir, 'allgo.yaml'),
        `tests:
  - name: fine
    params: "exit 0"
  - name: boom
    params: "bash 'echo first line; echo last words; exit 4'"
`,
      ),
    );
    const r = await push(repo, p.url, app, 'admin', p.adminToken);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('remote: test fine … ok');
    expect(r.output).toMatch(/remote: test boom … FAILED \(\d+(\.\d)? s\): exited with code 4, expected 0/);
    expect(r.output).toContain('remote:   | first line');
    expect(r.output).toContain('remote:   | last words');
    expect(r.output).toContain(`build of ${app} 1.0 failed: test boom failed: exited with code 4, expected 0`);
    expect(r.output).toContain('pre-receive hook declined');
    // Nothing was published: the app has no version anyone can run.
    const detail = (await (await p.api(`/api/v1/apps/${app}`, { token: p.adminToken })).json()) as { default_version: string | null; versions: { state: string }[] };
    expect(detail).toMatchObject({ default_version: null, versions: [{ state: 'failed' }] });
  });

  test('a case that could never run refuses the push before anything is built', async ({ platform: p }) => {
    const cases: [string, string][] = [
      ['  - name: t\n    inputs: [tests/missing.txt]\n', 'allgo: allgo.yaml: test t: input tests/missing.txt is not a file of commit'],
      ['  - name: t\n    expect: {contains: {../etc/passwd: root}}\n', 'allgo: allgo.yaml: test t: expects "../etc/passwd": name a file of the job\'s folder (no "/")'],
      ['  - name: t\n    expect: {matches: {allgo.log: "("}}\n', 'allgo: allgo.yaml: test t: matches.allgo.log is not a regular expression'],
      ['  - name: t\n    params: {n: 3}\n', 'allgo: allgo.yaml: test t: n: '],
    ];
    for (const [yaml, said] of cases) {
      const repo = fixtureRepo('probe', (dir) => appendFileSync(join(dir, 'allgo.yaml'), `tests:\n${yaml}`));
      const r = await push(repo, p.url, p.appName('bad'), 'admin', p.adminToken);
      expect(r.code).not.toBe(0);
      expect(r.output).toContain(said);
      expect(r.output).not.toContain('allgo: building');
    }
  });
});
