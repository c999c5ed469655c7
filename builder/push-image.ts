// After a build, when a registry is configured: tag the image <registry>/allgo/<app>:<version>,
// push that tag, read the digest the registry gives it, and drop the tag again, so the
// builder's engine keeps no name another build's FROM could pick up. Runners pull by digest.
import type Docker from 'dockerode';
import type { RegistryAuth } from '../common/registry.js';
import { followProgress, dockerMessage } from '../common/docker-progress.js';

/** The registry refused the image or could not be reached. */
class PushFailedError extends Error {
  override name = 'PushFailedError';
}

export interface Pushed {
  repository: string;
  digest: string;
}

export async function pushImage(
  docker: Docker,
  imageId: string,
  repository: string,
  tag: string,
  auth: RegistryAuth | undefined,
  say: (line: string) => void,
  signal: AbortSignal,
): Promise<Pushed> {
  await docker.getImage(imageId).tag({ repo: repository, tag });
  try {
    say(`Pushing ${repository}:${tag}\n`);
    // The engine wants an X-Registry-Auth header even for an open registry: an empty one.
    let digest: string | undefined;
    let failure: string | undefined;
    try {
      const stream = await docker.getImage(repository).push({ tag, abortSignal: signal, authconfig: auth ?? {} } as Docker.ImagePushOptions);
      failure = await followProgress(docker, stream, (ev) => {
        if (ev.aux?.Digest) digest = ev.aux.Digest;
      });
    } catch (err) {
      failure = dockerMessage(err);
    }
    if (signal.aborted) throw new Error(`push stopped: ${String(signal.reason ?? 'aborted')}`);
    if (failure || !digest || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
      throw new PushFailedError(`could not push the image to ${repository}: ${failure ?? 'the registry gave no digest'}`);
    }
    say(`Pushed ${repository}@${digest}\n`);
    return { repository, digest };
  } finally {
    // noprune: the build's intermediate images are the next build's cache.
    await docker
      .getImage(`${repository}:${tag}`)
      .remove({ noprune: true })
      .catch(() => undefined);
  }
}
