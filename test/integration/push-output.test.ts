// What a provider reads in `git push`: plain lines on any terminal, apt's redraws folded, none of
// allgo's own steps, and a failure said in words with the command that shows the whole log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPlatform, removeImages, uniqueName, type Platform } from '../helpers/platform.js';
import { fixtureRepo, push } from '../helpers/git.js';

let p: Platform;
const apps: string[] = [];
const newApp = (): string => {
  const name = uniqueName('out');
  apps.push(name);
  return name;
};

beforeAll(async () => {
  p = await startPlatform();
});
afterAll(async () => {
  await p?.close();
  removeImages(apps);
});

describe('the push output', () => {
  it('has no escape codes, shows the last state of redrawn lines, and hides the LABEL step of allgo', async () => {
    const app = newApp();
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

  it('says a Dockerfile error in words and names the command for the whole build log', async () => {
    const app = newApp();
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
