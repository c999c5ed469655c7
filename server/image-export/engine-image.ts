// Where the server's engine has a version's image: its tag when that still names the built
// image, else its id; one pushed to a registry (scale-out, where the builder's engine is
// another machine's) is pulled first, as a runner host does before a job.
import type Docker from 'dockerode';
import type { Version } from '../store/index.js';
import { pinnedImage, type RegistryAuth } from '../../common/registry.js';
import { dockerMessage, followProgress } from '../../common/docker-progress.js';
import { ImageUnavailableError } from '../errors.js';


async function imageId(docker: Docker, ref: string): Promise<string | null> {
  try {
    return (await docker.getImage(ref).inspect()).Id;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return null;
    throw err;
  }
}

/** A reference the engine resolves to the version's image, pulling it if it must. */
export async function engineImage(docker: Docker, v: Version, auth: RegistryAuth | undefined): Promise<string> {
  const tagged = await imageId(docker, v.image);
  if (tagged && (!v.imageId || tagged === v.imageId)) return v.image;
  if (v.imageId && (await imageId(docker, v.imageId))) return v.imageId;
  if (!v.imageRepository || !v.imageDigest) {
    throw new ImageUnavailableError(`this server's engine no longer has the image ${v.imageId ?? v.image}, and it was never pushed to a registry: push the app again to rebuild it`);
  }
  const ref = pinnedImage(v.imageRepository, v.imageDigest);
  let failure: string | undefined;
  try {
    // The engine wants an X-Registry-Auth header even for an open registry: an empty one.
    failure = await followProgress(docker, await docker.pull(ref, { authconfig: auth ?? {} }));
  } catch (err) {
    failure = dockerMessage(err);
  }
  if (failure || !(await imageId(docker, ref))) throw new ImageUnavailableError(`this server's engine lacks the image and could not pull ${ref}: ${failure ?? 'the engine does not have it after the pull'}`);
  return ref;
}
