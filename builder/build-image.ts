// One build: fetch the pushed commit as a tar (the server streams `git archive`), hand it to
// `docker build` as the context, stream Docker's output into the build log, tag the image.
// The tag is added after the build, not by it, so the build's output never shows it.
// Each step's container gets the payload's memory limit (no swap), no network unless the
// manifest asked for it, and the build as a whole a process limit (build-cgroup.ts).
// The layer cache is Docker's own, so unchanged steps are reused across versions.
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { BuildPayload, BuildResult } from '../schemas/index.js';
import type { LogWriter } from '../common/log-stream.js';
import type { ServerClient } from '../common/server-client.js';
import { buildCgroup } from './build-cgroup.js';
import type { RegistryAuth } from '../common/registry.js';

/** A build that will fail again if retried (bad Dockerfile, failing RUN step). */
export class BuildFailedError extends Error {
  override name = 'BuildFailedError';
}

/** How long a build waits for a server that is away (restarting) before it fails. */
const SOURCE_RETRY_MS = 2 * 60_000;

interface BuildEvent {
  stream?: string;
  status?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/** `auth`: for a FROM that names another app's image in the registry (a builder host may not have it). */
export async function buildImage(docker: Docker, server: ServerClient, payload: BuildPayload, log: LogWriter, signal: AbortSignal, auth?: RegistryAuth): Promise<BuildResult> {
  const res = await server.get(payload.contextUrl, payload.contextSignature, { signal, retryForMs: SOURCE_RETRY_MS }).catch((err: Error) => {
    throw new Error(`could not fetch the source of commit ${payload.commit.slice(0, 12)}: ${err.message}`);
  });
  if (!res.body) throw new Error(`could not fetch the source of commit ${payload.commit.slice(0, 12)}: an empty answer`);
  const context = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
  const cgroup = await buildCgroup(docker, payload.pidsLimit);
  try {
    if (cgroup.missing) log.write(`allgo: this build has no process limit: ${cgroup.missing}\n`);
    return await runBuild(docker, payload, context, cgroup.parent, log, signal, auth);
  } finally {
    await cgroup.release();
  }
}

async function runBuild(docker: Docker, payload: BuildPayload, context: Readable, cgroupParent: string | null, log: LogWriter, signal: AbortSignal, auth?: RegistryAuth): Promise<BuildResult> {
  const memory = payload.memoryMb * 1024 * 1024;
  const output = await docker.buildImage(context, {
    labels: payload.labels,
    rm: true,
    forcerm: true,
    memory,
    memswap: memory,
    networkmode: payload.network ? 'bridge' : 'none',
    ...(cgroupParent ? { cgroupparent: cgroupParent } : {}),
    abortSignal: signal,
    ...(auth ? { registryconfig: { [auth.serveraddress]: { username: auth.username, password: auth.password } } } : {}),
  } as Docker.ImageBuildOptions);

  let imageId: string | undefined;
  let failure: string | undefined;
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      output,
      (err: Error | null) => (err ? reject(err) : resolve()),
      (ev: BuildEvent) => {
        if (ev.stream) log.write(ev.stream);
        else if (ev.status) log.write(`${ev.status}${ev.progress ? ' ' + ev.progress : ''}\n`);
        if (ev.aux?.ID) imageId = ev.aux.ID;
        if (ev.error) {
          failure = ev.errorDetail?.message ?? ev.error;
          log.write(`${failure}\n`);
        }
      },
    );
  });
  if (signal.aborted) throw new Error(`build stopped: ${String(signal.reason ?? 'aborted')}`);
  if (failure) throw new BuildFailedError(failure);
  if (!imageId) throw new Error('the engine did not say which image it built');
  const [repo, tag] = splitTag(payload.image);
  await docker.getImage(imageId).tag({ repo, tag });
  const { Size } = await docker.getImage(imageId).inspect();
  return { image: payload.image, imageId, size: Size };
}

function splitTag(image: string): [string, string] {
  const colon = image.lastIndexOf(':');
  return [image.slice(0, colon), image.slice(colon + 1)];
}
