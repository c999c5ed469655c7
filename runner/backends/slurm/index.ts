// The Slurm backend: each job a batch job on the cluster (run-slurm-job.ts), its container
// started by podman on the node (batch-script.ts), its folder on the shared file system.
import { basename, join } from 'node:path';
import type Docker from 'dockerode';
import type { RunPayload, RunResult, RunnerHello } from '../../../schemas/index.js';
import type { SlurmConfig } from '../../../common/config.js';
import type { RegistryAuth } from '../../../common/registry.js';
import { containerName } from '../../../common/queues.js';
import type { RunHooks, RunOptions } from '../../run-container.js';
import type { FoundRun, ListedRun, RunnerBackend } from '../backend.js';
import { SlurmCommands, hasEnded } from './commands.js';
import { ImageExports } from './images.js';
import { runSlurmJob } from './run-slurm-job.js';
import { nodeLost } from './outcome.js';

/** The job's folder in its attempt folder (runner/stage.ts), which the Slurm job runs in. */
const JOB_DIR = 'job';

export class SlurmBackend implements RunnerBackend {
  private readonly cli: SlurmCommands;
  private readonly images: ImageExports;
  private readonly prefix: string;

  constructor(
    private readonly config: Readonly<SlurmConfig>,
    /** The installation's id: part of the Slurm jobs' names. */
    private readonly instance: string,
    /** The queues' Slurm settings, from the server's hello. */
    private readonly queues: RunnerHello['queues'],
    /** The engine that holds the versions' images (the builder's), to export them from. */
    docker: Docker,
    /** For an image to pull before unpacking it (charliecloud, apptainer). */
    auth?: RegistryAuth,
  ) {
    this.cli = new SlurmCommands(config.conf);
    this.images = new ImageExports(docker, config.imageDir, config.runtime, auth);
    this.prefix = containerName(instance, 0).replace(/0$/, '');
  }

  async engine(): Promise<string> {
    return `slurm:${await this.cli.clusterName()}`;
  }

  answers(): Promise<boolean> {
    return this.cli.answers();
  }

  async find(jobId: number): Promise<FoundRun | null> {
    const job = (await this.cli.byName(this.jobName(jobId))).pop();
    if (!job) return null;
    const lost = nodeLost(job);
    return { workdir: job.workDir ? join(job.workDir, JOB_DIR) : null, endedByEngine: !!lost, ...(lost ? { lostWith: lost } : {}) };
  }

  run(p: RunPayload, workdir: string, attempt: number, opts: RunOptions, hooks: RunHooks): Promise<RunResult | 'detached'> {
    const q = this.queues.find((x) => x.name === p.queue)?.slurm;
    return runSlurmJob(
      { cli: this.cli, images: this.images, name: this.jobName(p.jobId), partition: q?.partition ?? null, sbatchOptions: q?.options ?? [], runtime: this.config.runtime, podmanRoot: this.config.podmanRoot, pollMs: this.config.pollMs },
      p,
      workdir,
      attempt,
      opts,
      hooks,
    );
  }

  /** Cancels the job's Slurm jobs that still run: its outcome is recorded, nothing should go on. */
  async remove(jobId: number): Promise<void> {
    for (const j of await this.cli.byName(this.jobName(jobId)).catch(() => [])) {
      if (!hasEnded(j.state)) await this.cli.cancel(j.id).catch(() => undefined);
    }
  }

  async list(): Promise<ListedRun[]> {
    const runs: ListedRun[] = [];
    for (const j of await this.cli.queue()) {
      if (!j.name.startsWith(this.prefix) || hasEnded(j.state)) continue;
      const jobId = Number(j.name.slice(this.prefix.length));
      const attempt = Number(/-(\d+)$/.exec(basename(j.workDir ?? ''))?.[1] ?? 1);
      runs.push({ jobId, queue: j.comment, attempt, workdir: j.workDir ? join(j.workDir, JOB_DIR) : null });
    }
    return runs;
  }

  private jobName(jobId: number): string {
    return containerName(this.instance, jobId);
  }
}
