// Where the server's engine has a version's image: its tag when that still names the built
// image, else its id; one pushed to a registry (scale-out, where the builder's engine is
// another machine's) is pulled first, as a runner host does before a job.
import type Docker from 'dockerode';
import type { Version } from '../store/index.js';
import { pinnedImage, type RegistryAuth } from '../../common/registry.js';
import { hasImage, imageIdOf, pullImage } from '../../common/pull-image.js';
import { ImageUnavailableError } from '../errors.js';

/** A reference the engine resolves to the version's image, pulling it if it must. */
export async function engineImage(docker: Docker, v: Version, auth: RegistryAuth | undefined): Promise<string> {
  const tagged = await imageIdOf(docker, v.image);
  if (tagged && (!v.imageId || tagged === v.imageId)) return v.image;
  if (v.imageId && (await hasImage(docker, v.imageId))) return v.imageId;
  if (!v.imageRepository || !v.imageDigest) {
    throw new ImageUnavailableError(`this server's engine no longer has the image ${v.imageId ?? v.image}, and it was never pushed to a registry: push the app again to rebuild it`);
  }
  const ref = pinnedImage(v.imageRepository, v.imageDigest);
  const failure = await pullImage(docker, ref, auth);
  if (failure) throw new ImageUnavailableError(`this server's engine lacks the image and could not pull ${ref}: ${failure}`);
  return ref;
}
