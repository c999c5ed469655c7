// The Docker backend: each job a container on this host's Docker engine (run-container.ts).
import type Docker from 'dockerode';
import type { RunPayload, RunResult } from '../../schemas/index.js';
import { CONTAINER_LABELS } from '../../common/labels.js';
import { runContainer, removeJobContainer, inspectJobContainer, jobMountOf, type RunHooks, type RunOptions } from '../run-container.js';
import { endedByEngineDeath } from '../engine-death.js';
import { engineAnswers } from '../engine-health.js';
import type { FoundRun, ListedRun, RunnerBackend } from './backend.js';

export class DockerBackend implements RunnerBackend {
  constructor(
    private readonly docker: Docker,
    /** The installation's id (common/instance.ts): part of container names and labels. */
    private readonly instance: string,
  ) {}

  async engine(): Promise<string> {
    return (await this.docker.info()).ID as string;
  }

  answers(): Promise<boolean> {
    return engineAnswers(this.docker);
  }

  async find(jobId: number): Promise<FoundRun | null> {
    const found = await inspectJobContainer(this.docker, this.instance, jobId);
    return found ? { workdir: jobMountOf(found), endedByEngine: await endedByEngineDeath(this.docker, found) } : null;
  }

  run(p: RunPayload, workdir: string, attempt: number, opts: RunOptions, hooks: RunHooks): Promise<RunResult | 'detached'> {
    return runContainer(this.docker, p, workdir, attempt, opts, hooks);
  }

  remove(jobId: number): Promise<void> {
    return removeJobContainer(this.docker, this.instance, jobId);
  }

  async list(): Promise<ListedRun[]> {
    const containers = await this.docker.listContainers({ all: true, filters: { label: [`${CONTAINER_LABELS.instance}=${this.instance}`] } });
    const runs: ListedRun[] = [];
    for (const c of containers) {
      const info = await this.docker.getContainer(c.Id).inspect().catch(() => null);
      runs.push({
        jobId: Number(c.Labels[CONTAINER_LABELS.job]),
        queue: c.Labels[CONTAINER_LABELS.queue] ?? null,
        attempt: Number(c.Labels[CONTAINER_LABELS.attempt] ?? 1),
        workdir: info && jobMountOf(info),
      });
    }
    return runs;
  }
}
