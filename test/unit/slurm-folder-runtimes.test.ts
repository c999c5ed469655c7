// The command lines of the runtimes that run an image's root file system folder on a Slurm
// node (runner/backends/slurm/folder-runtimes.ts). Apptainer is not installable on this
// machine: its line is checked here only; Charliecloud's also runs in slurm-backend.test.ts.
import { describe, expect, it } from 'vitest';
import type { RunPayload } from '../../schemas/index.js';
import { apptainerCommand, chRunCommand, folderBatchScript } from '../../runner/backends/slurm/folder-runtimes.js';
import type { RunOptions } from '../../runner/run-container.js';

const p = { jobId: 42, image: 'img', argv: ['/usr/local/bin/probe', 'args', "it's"], memoryMb: 64, timeLimitMs: 60_000, queue: 'standard', logKey: 'k' } as RunPayload;
const opts: RunOptions = { instance: 'x', user: '65534:65534', pidsLimit: 64, outputLimitBytes: 1 << 20, maxFiles: 100, logLimitBytes: 1 << 20, tmpMb: 16 };
const f = { p, workdir: '/shared/work/42-1/job', image: '/shared/images/abc.rootfs', opts };

describe('the folder runtimes on a Slurm node', () => {
  it('runs apptainer exec contained, with a clean environment, no network, /job as the working folder, the argv as given', () => {
    expect(apptainerCommand(f)).toBe(
      "'apptainer' 'exec' '--contain' '--cleanenv' '--no-home' '--net' '--network' 'none' '--env-file' '/shared/images/abc.rootfs/ch/environment' " +
        "'--env' 'HOME=/tmp,TMPDIR=/tmp,ALLGO_JOB_ID=42' '--bind' '/shared/work/42-1/job:/job' '--pwd' '/job' '/shared/images/abc.rootfs' '/usr/local/bin/probe' 'args' 'it'\\''s'",
    );
  });

  it('runs ch-run in a network namespace of its own, as the job user, with only the image\'s and the job\'s environment', () => {
    expect(chRunCommand(f)).toBe(
      "'unshare' '--user' '--map-current-user' '--net' 'ch-run' '--unset-env=*' '--set-env' '--set-env=HOME=/tmp' '--set-env=TMPDIR=/tmp' '--set-env=ALLGO_JOB_ID=42' " +
        "'--private-tmp' '--no-passwd' '--bind=/shared/work/42-1/job:/job' '--cd=/job' '--uid=65534' '--gid=65534' '/shared/images/abc.rootfs' '--' '/usr/local/bin/probe' 'args' 'it'\\''s'",
    );
  });

  it('writes the exit status beside the folder once the runtime returns, and stops it on TERM', () => {
    const script = folderBatchScript({ runtime: 'apptainer', statusFile: '/shared/work/42-1/slurm.status', ...f });
    expect(script).toContain(`${apptainerCommand(f)} </dev/null &`);
    expect(script).toContain("STATUS='/shared/work/42-1/slurm.status'");
    expect(script).toContain('trap stop TERM INT');
    expect(script).toMatch(/printf 'exit=%s oom=false\\n' "\$CODE" > "\$STATUS.part" && mv "\$STATUS.part" "\$STATUS"/);
  });
});
