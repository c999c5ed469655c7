// The Slurm commands the backend runs (sbatch, sacct, squeue, scontrol, scancel), with the
// cluster's slurm.conf, and what their answers say about one job. Following a job: sacct when
// the cluster keeps accounting (slurmdbd); else squeue, which knows a job until MinJobAge after
// its end, then `sacct --completion` when the cluster writes a job completion log. A job none
// of them knows is reported as forgotten, never as ended well.
import { execFile } from 'node:child_process';

/** A job as Slurm reports it. `exitCode`/`signal`: of the batch script, once ended. */
export interface SlurmJob {
  id: string;
  name: string;
  state: string;
  node: string | null;
  /** The folder it was started in (sbatch --chdir): the job's attempt folder. */
  workDir: string | null;
  /** When it started running (ISO, the cluster's clock), null while pending. */
  start: string | null;
  exitCode: number | null;
  signal: number | null;
  reason: string | null;
  /** sbatch --comment: the allgo queue. */
  comment: string | null;
}

/** States after which Slurm does nothing more with a job. */
const ENDED = new Set(['COMPLETED', 'CANCELLED', 'FAILED', 'TIMEOUT', 'NODE_FAIL', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE', 'OUT_OF_MEMORY', 'REVOKED', 'SPECIAL_EXIT']);
export const hasEnded = (state: string): boolean => ENDED.has(state);

class SlurmCommandError extends Error {
  override name = 'SlurmCommandError';
}

type Accounting = 'database' | 'completion' | 'none';

const SQUEUE_FORMAT = '%i|%j|%T|%N|%Z|%S|%r|%k';
const SACCT_FIELDS = 'JobID,JobName,State,NodeList,WorkDir,Start,ExitCode';
const COMMAND_TIMEOUT_MS = 30_000;

export class SlurmCommands {
  private accounting: Promise<Accounting> | null = null;

  /** `conf`: SLURM_CONF for every command; null: the commands' own default. */
  constructor(private readonly conf: string | null) {}

  run(command: string, args: readonly string[]): Promise<string> {
    const env = this.conf ? { ...process.env, SLURM_CONF: this.conf } : process.env;
    return new Promise((resolve, reject) => {
      execFile(command, args, { env, timeout: COMMAND_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) reject(new SlurmCommandError(`${command} ${args.join(' ')}: ${(stderr || err.message).trim()}`));
        else resolve(stdout);
      });
    });
  }

  /** sbatch --parsable: the new job's id. */
  async submit(args: readonly string[], script: string): Promise<string> {
    const out = await this.run('sbatch', ['--parsable', ...args, script]);
    // "<id>" or "<id>;<cluster>"
    const id = out.trim().split(';')[0];
    if (!/^\d+$/.test(id)) throw new SlurmCommandError(`sbatch answered "${out.trim()}", not a job id`);
    return id;
  }

  async cancel(id: string): Promise<void> {
    await this.run('scancel', [id]);
  }

  /** Whether slurmctld answers. */
  async answers(): Promise<boolean> {
    return this.run('scontrol', ['ping']).then((out) => /\bUP\b/.test(out), () => false);
  }

  async clusterName(): Promise<string> {
    return (await this.config('ClusterName')) ?? 'cluster';
  }

  private async config(key: string): Promise<string | null> {
    const out = await this.run('scontrol', ['show', 'config']);
    const m = new RegExp(`^${key}\\s*=\\s*(.*)$`, 'm').exec(out);
    return m ? m[1].trim() : null;
  }

  /** Jobs Slurm still holds in memory (pending, running, ended less than MinJobAge ago). */
  async queue(jobId?: string): Promise<SlurmJob[]> {
    const out = await this.run('squeue', ['-h', '-t', 'all', '-o', SQUEUE_FORMAT, ...(jobId ? ['-j', jobId] : [])]).catch((err: Error) => {
      // An id it no longer knows is an error to squeue, not an empty answer.
      if (jobId && /Invalid job id/i.test(err.message)) return '';
      throw err;
    });
    return lines(out).map((l) => {
      const [id, name, state, node, workDir, start, reason, comment] = l.split('|');
      return { id, name, state, node: node || null, workDir: workDir || null, start: start && start !== 'N/A' ? start : null, exitCode: null, signal: null, reason: reason && reason !== 'None' ? reason : null, comment: comment && comment !== '(null)' ? comment : null };
    });
  }

  /** The job as best Slurm knows it; null: forgotten (or never known). */
  async job(id: string): Promise<SlurmJob | null> {
    const accounting = await this.accountingKind();
    if (accounting === 'database') {
      const rows = await this.sacct(['-j', id]);
      if (rows.length) return rows[0];
    }
    const [queued] = await this.queue(id);
    if (queued && !hasEnded(queued.state)) return queued;
    if (queued) return { ...queued, ...(await this.exitOf(id)) };
    if (accounting === 'completion') return (await this.sacct(['--completion'])).find((j) => j.id === id) ?? null;
    return null;
  }

  /** The jobs named `name` that accounting or the queue knows, the newest last. */
  async byName(name: string): Promise<SlurmJob[]> {
    const accounting = await this.accountingKind();
    const known = new Map<string, SlurmJob>();
    if (accounting !== 'none') for (const j of await this.sacct(accounting === 'completion' ? ['--completion'] : ['--name', name])) if (j.name === name) known.set(j.id, j);
    for (const j of await this.queue()) if (j.name === name) known.set(j.id, known.get(j.id) && hasEnded(j.state) ? known.get(j.id)! : j);
    return [...known.values()].sort((a, b) => Number(a.id) - Number(b.id));
  }

  private async exitOf(id: string): Promise<Pick<SlurmJob, 'exitCode' | 'signal'>> {
    const out = await this.run('scontrol', ['show', 'job', '-o', id]).catch(() => '');
    return exitCodeOf(/\bExitCode=(\d+:\d+)/.exec(out)?.[1]);
  }

  private async sacct(args: readonly string[]): Promise<SlurmJob[]> {
    // All users and from the epoch: sacct otherwise shows only today's jobs of the caller.
    const out = await this.run('sacct', ['-X', '--parsable2', '--noheader', '--allusers', '--starttime', '1970-01-01', `--format=${SACCT_FIELDS}`, ...args]);
    return lines(out).map((l) => {
      const [id, name, state, node, workDir, start, exit] = l.split('|');
      // "CANCELLED by 0": the state, then who.
      return { id, name, state: state.split(' ')[0], node: node && node !== 'None assigned' ? node : null, workDir: workDir || null, start: start && start !== 'Unknown' && start !== 'None' ? start : null, reason: null, comment: null, ...exitCodeOf(exit) };
    });
  }

  private accountingKind(): Promise<Accounting> {
    this.accounting ??= this.run('sacct', ['-X', '--noheader', '-j', '1'])
      .then((): Accounting => 'database')
      .catch(async (err: Error): Promise<Accounting> => {
        if (!/accounting storage is disabled/i.test(err.message)) throw err;
        const jobcomp = await this.config('JobCompType');
        return jobcomp && jobcomp !== 'jobcomp/none' && jobcomp !== '(null)' ? 'completion' : 'none';
      })
      .catch((err) => {
        this.accounting = null;
        throw err;
      });
    return this.accounting;
  }
}

const lines = (out: string): string[] => out.split('\n').map((l) => l.trim()).filter(Boolean);

/** "3:0" (exit code 3) or "0:9" (killed by signal 9). */
function exitCodeOf(text: string | undefined): Pick<SlurmJob, 'exitCode' | 'signal'> {
  const m = /^(\d+):(\d+)$/.exec(text ?? '');
  if (!m) return { exitCode: null, signal: null };
  return { exitCode: Number(m[1]), signal: Number(m[2]) || null };
}
