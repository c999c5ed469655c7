// `allgo rerun ID [--version V]` with the compiled CLI: the job again, as it was, under a new id.
import { describe, expect } from 'vitest';
import { waitForJob } from '../helpers/platform.js';
import { allgo, cliTest } from '../helpers/cli.js';

const test = cliTest();

describe('allgo rerun', () => {
  test('submits the job again and prints the new id; allgo job shows what it re-ran and its provenance', async ({ platform: p, probe, user, home, userEnv: env }) => {
    const id = await p.submit(probe, 'write out.txt same', { token: user.token });
    await waitForJob(p, id, user.token);
    const r = await allgo(['rerun', String(id), '--version', '1.0'], { home, env });
    expect(r.code, r.stderr).toBe(0);
    const again = Number(r.stdout.trim());
    expect(again).toBeGreaterThan(id);
    expect(await waitForJob(p, again, user.token)).toMatchObject({ result: 'success', version: '1.0', param: 'write out.txt same', rerun_of: id });
    const shown = await allgo(['job', String(again)], { home, env });
    expect(shown.stdout).toMatch(new RegExp(`^re-run of: +job ${id}$`, 'm'));
    expect(shown.stdout).toMatch(new RegExp(`^provenance: +http://\\S+/api/v1/jobs/${again}/provenance\\?key=\\w+$`, 'm'));
  });

  test('a version that does not exist, or a bad id, is refused with the reason', async ({ platform: p, probe, user, home, userEnv: env }) => {
    const id = await p.submit(probe, 'write out.txt x', { token: user.token });
    await waitForJob(p, id, user.token);
    const r = await allgo(['rerun', String(id), '--version', 'nope'], { home, env });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('has no version "nope"');
    expect(await allgo(['rerun', 'x'], { home, env })).toMatchObject({ code: 2, stderr: expect.stringContaining('"x" is not a job id') });
  });
});
