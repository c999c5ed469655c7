// What a provider reads in `git push`: plain lines on any terminal, apt's redraws folded, none of
// allgo's own steps, and a failure said in words with the command that shows the whole log.
import { describe, expect } from 'vitest';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { platformTest } from '../helpers/platform-test.js';
import { fixtureRepo, push } from '../helpers/git.js';

const test = platformTest();

describe('the push output', () => {
  test('has no escape codes, shows the last state of redrawn lines, and hides the LABEL step of allgo', async ({ platform: p }) => {
    const app = p.appName('out');
    const repo = fixtureRepo('probe', (dir) =>
      appendFileSync(join(dir, 'Dockerfile'), `RUN printf '\\033[91mcoloured warning\\033[0m\\n' && printf 'fetching 0%%\\rfetching 50%%\\rfetching done\\n'\n`),
    );
    const r = await push(repo, p.url, app, 'admin', p.adminToken);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('remote: coloured warning');
    expect(r.output).not.toContain('\x1b[');
    expect(r.output).toContain('remote: fetching done');
    expect(r.output).not.toMatch(/^remote: fetching (0|50)%/m);
    expect(r.output).not.toMatch(/LABEL allgo\./);
    // The build log keeps what Docker wrote.
    const log = await (await p.api(`/api/v1/apps/${app}/versions/1.0/build-log`, { token: p.adminToken })).text();
    expect(log).toContain('\x1b[91mcoloured warning');
    expect(log).toMatch(/LABEL allgo\./);
  });

  test('says a Dockerfile error in words and names the command for the whole build log', async ({ platform: p }) => {
    const app = p.appName('out');
    const repo = fixtureRepo('probe', (dir) => appendFileSync(join(dir, 'Dockerfile'), 'RUNN echo typo\n'));
    const r = await push(repo, p.url, app, 'admin', p.adminToken);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(`build of ${app} 1.0 failed: Dockerfile line 4: unknown instruction RUNN`);
    expect(r.output).not.toContain('HTTP code');
    expect(r.output).toContain(`the whole build log: allgo build-log ${app} 1.0`);
    const log = await (await p.api(`/api/v1/apps/${app}/versions/1.0/build-log`, { token: p.adminToken })).text();
    expect(log).toMatch(/Docker said: .*unknown instruction: RUNN/i);
  });
});
