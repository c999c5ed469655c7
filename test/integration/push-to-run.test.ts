// The README's path, for real: git push an example → version ready → a job submitted with
// curl exactly as A||GO's documentation does → done/success → outputs downloaded.
import { describe, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitForJob, appImageId, type Platform } from '../helpers/platform.js';
import { platformTest } from '../helpers/platform-test.js';
import { exampleRepo, push, runAsync } from '../helpers/git.js';

const test = platformTest();

/** A||GO's documented curl call, unchanged but for --form-string on the parameters. */
async function curlSubmit(p: Platform, token: string, app: string | number, param: string, files: string[], extra: string[] = []): Promise<Record<string, unknown>> {
  const args = ['-s', '-H', `Authorization: Token token=${token}`, '-X', 'POST', '-F', `job[webapp_id]=${app}`, '--form-string', `job[param]=${param}`];
  files.forEach((f, i) => args.push('-F', `files[${i}]=@${f}`));
  args.push(...extra, `${p.url}/api/v1/jobs`);
  const r = await runAsync('curl', args);
  return JSON.parse(r.stdout ?? '');
}

async function download(url: string): Promise<string> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return res.text();
}

describe('push to publish, submit to run', () => {
  test('publishes examples/hello on git push and runs a job submitted as A||GO clients do', async ({ platform: p, tempDir }) => {
    const app = p.appName('hello');
    const repo = exampleRepo('hello');
    const pushed = await push(repo, p.url, app, 'admin', p.adminToken);
    expect(pushed.output).toContain(`published ${app} 1.0`);
    expect(pushed.output).toContain(`${p.url}/apps/${app}/`);
    expect(pushed.code).toBe(0);

    const details = (await (await p.api(`/api/v1/apps/${app}`)).json()) as { id: number; versions: { version: string; state: string; commit: string }[] };
    expect(details.versions).toEqual([expect.objectContaining({ version: '1.0', state: 'ready' })]);
    const commit = execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    expect(details.versions[0].commit).toBe(commit);
    const labels = JSON.parse(execFileSync('docker', ['image', 'inspect', '-f', '{{json .Config.Labels}}', appImageId(app, '1.0')], { encoding: 'utf8' }));
    expect(labels).toMatchObject({ 'allgo.app': app, 'allgo.version': '1.0', 'allgo.commit': commit });
    expect(labels['allgo.manifest-digest']).toMatch(/^[0-9a-f]{64}$/);

    const dir = tempDir('allgo-input-');
    writeFileSync(join(dir, 'data.txt'), 'some input\n');
    const submitted = await curlSubmit(p, p.adminToken, details.id, "Ada 'two words' ; rm -rf / $(id) `id` | cat > x", [join(dir, 'data.txt')]);
    expect(submitted).toEqual({ id: expect.any(Number), url: `${p.url}/api/v1/jobs/${submitted.id}`, avg_time: 0 });

    const job = await waitForJob(p, submitted.id as number, p.adminToken);
    expect(Object.keys(job).slice(0, 2)).toEqual([String(submitted.id), 'status']);
    expect(job).toMatchObject({ status: 'done', result: 'success', exit_code: 0 });
    const urls = job[String(submitted.id)] as Record<string, string>;
    expect(Object.keys(urls).sort()).toEqual(['allgo.log', 'data.txt', 'hello.txt']);
    for (const u of Object.values(urls)) expect(u).toMatch(new RegExp(`^${p.url}/datastore/${submitted.id}/[0-9a-f]{40}/`));

    expect(await download(urls['hello.txt'])).toBe('hello Ada\n');
    const log = await download(urls['allgo.log']);
    expect(log).toContain('Hello from allgo!');
    // Every shell metacharacter arrived as a literal argument: no shell ever saw them.
    const args = [...log.matchAll(/^arg\[\d+\]=(.*)$/gm)].map((m) => m[1]);
    expect(args).toEqual(['Ada', 'two words', ';', 'rm', '-rf', '/', '$(id)', '`id`', '|', 'cat', '>', 'x']);
    expect(log).toContain("data.txt (11 bytes)");
    // The log endpoint serves the same text.
    expect(await (await p.api(`/api/v1/jobs/${submitted.id}/log`, { token: p.adminToken })).text()).toBe(log);
  });

  test('runs the A||GO cargo-demo with a preset-like parameter and counts words with the Python example', async ({ platform: p, tempDir }) => {
    const cargo = p.appName('cargo-demo');
    const wc = p.appName('wordcount');
    expect((await push(exampleRepo('cargo-demo'), p.url, cargo, 'admin', p.adminToken)).code).toBe(0);
    const wcPush = await push(exampleRepo('wordcount'), p.url, wc, 'admin', p.adminToken);
    expect(wcPush.output).toContain(`published ${wc}`);

    const demo = await curlSubmit(p, p.adminToken, cargo, '3', []);
    const dir = tempDir('allgo-input-');
    writeFileSync(join(dir, 'a.txt'), 'one two three\nfour\n');
    writeFileSync(join(dir, 'b.txt'), 'hello world\n');
    const count = await curlSubmit(p, p.adminToken, wc, '', [join(dir, 'a.txt'), join(dir, 'b.txt')]);

    const demoJob = await waitForJob(p, demo.id as number, p.adminToken);
    expect(demoJob).toMatchObject({ status: 'done', result: 'success' });
    const demoLog = await download((demoJob[String(demo.id)] as Record<string, string>)['allgo.log']);
    expect(demoLog).toContain(`This is app 'cargo-demo' called with parameters '3'`);
    expect(demoLog).toContain('HERE WHAT I HAVE TO SAY');

    const countJob = await waitForJob(p, count.id as number, p.adminToken);
    expect(countJob).toMatchObject({ status: 'done', result: 'success' });
    const csv = await download((countJob[String(count.id)] as Record<string, string>)['wordcount.csv']);
    expect(csv.trim().split(/\r?\n/)).toEqual(['file,lines,words,chars', 'a.txt,2,4,19', 'b.txt,1,2,12']);
  });
});
