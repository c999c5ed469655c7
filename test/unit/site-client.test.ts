// The browser-side helpers that need no browser: the curl commands of the "Use the API" panel,
// the sign-in redirect check and the formatting. The job page's event stream is read by the
// client's own parser (client/browser/sse.ts, tested in client-sse.test.ts).
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { resultCommand, submitCommand } from '../../site/src/lib/curl.js';
import { safeNext } from '../../site/src/lib/client/session.js';
import { formatLimit, formatSize } from '../../site/src/lib/format.js';

describe('the API panel commands', () => {
  it('quotes every choice so a shell passes it through unchanged', () => {
    const param = `it's "quoted" $(id) \`id\` ; rm -rf /`;
    const cmd = submitCommand({ publicUrl: 'https://allgo.example.org', app: 'samusa', param, version: '1.0', queue: 'batch', files: ['my file.mp3'], token: 'tok' });
    // What a shell would hand curl, without running curl.
    const argv = JSON.parse(execFileSync('sh', ['-c', `printf '%s\\0' ${cmd.replace(/^curl /, '').replace(/\\\n/g, ' ')} | node -e "process.stdout.write(JSON.stringify(require('fs').readFileSync(0,'utf8').split('\\\\0').slice(0,-1)))"`], { encoding: 'utf8' }));
    expect(argv).toEqual([
      '-H', 'Authorization: Token token=tok', '-X', 'POST',
      '-F', 'job[webapp_id]=samusa',
      '-F', `job[param]=${param}`,
      '-F', 'job[version]=1.0',
      '-F', 'job[queue]=batch',
      '-F', 'files[0]=@my file.mp3',
      'https://allgo.example.org/api/v1/jobs',
    ]);
  });

  it('sends parameters starting with @ or < as strings, not files', () => {
    expect(submitCommand({ publicUrl: 'http://x', app: 'a', param: '@etc/passwd', files: [] })).toContain(`--form-string 'job[param]=@etc/passwd'`);
  });

  it('shows the placeholder token until signed in', () => {
    expect(resultCommand('http://x')).toBe(`curl -H 'Authorization: Token token=<your_private_token>' http://x/api/v1/jobs/<job_id>`);
    expect(submitCommand({ publicUrl: 'http://x', app: 'a', param: '', files: [] })).toContain(`'files[1]=@<path_to_file1>'`);
  });
});

describe('safeNext', () => {
  const origin = 'http://allgo.test:8080';
  it.each([
    ['/apps/x/', `${origin}/apps/x/`],
    ['/jobs/?id=3', `${origin}/jobs/?id=3`],
    ['https://evil.example/', `${origin}/`],
    ['//evil.example/', `${origin}/`],
    ['/\\evil.example', `${origin}/`],
    [null, `${origin}/`],
    // The open redirect of issue 9: a tab is dropped by the URL parser, leaving "//evil.example".
    ['/\t/evil.example/x', `${origin}/`],
    ['/\n/evil.example/x', `${origin}/`],
    ['javascript:alert(1)', `${origin}/`],
    ['http://allgo.test:8081/', `${origin}/`],
    // Same origin once resolved: kept, and absolute, so "//evil" in its path is only a path.
    ['/.//evil.example/x', `${origin}//evil.example/x`],
  ])('%j → %s', (raw, expected) => expect(safeNext(raw, origin)).toBe(expected));
});

describe('formatting', () => {
  it('says sizes and limits the way people do', () => {
    expect([formatSize(28), formatSize(2048), formatSize(15 * 1024 * 1024)]).toEqual(['28 B', '2.0 KB', '15 MB']);
    expect([formatLimit(60), formatLimit(1200), formatLimit(86400), formatLimit(90)]).toEqual(['1 minute', '20 minutes', '1 day', '90 seconds']);
  });
});
