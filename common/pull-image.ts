// One image pulled into an engine from its registry, for a host that needs it present before it
// can export it (the server's image exports, the Slurm backend's root file systems).
import type Docker from 'dockerode';
import type { RegistryAuth } from './registry.js';
import { dockerMessage, followProgress } from './docker-progress.js';

/** Whether the engine has `ref`. */
export async function hasImage(docker: Docker, ref: string): Promise<boolean> {
  return (await imageIdOf(docker, ref)) !== null;
}

/** The engine's id of `ref`, or null when it lacks it. */
export async function imageIdOf(docker: Docker, ref: string): Promise<string | null> {
  try {
    return (await docker.getImage(ref).inspect()).Id;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return null;
    throw err;
  }
}

/** Pulls `ref`; the failure, in the engine's or the registry's words, or null once the engine has it. */
export async function pullImage(docker: Docker, ref: string, auth: RegistryAuth | undefined): Promise<string | null> {
  let failure: string | undefined;
  try {
    // The engine wants an X-Registry-Auth header even for an open registry: an empty one.
    failure = await followProgress(docker, await docker.pull(ref, { authconfig: auth ?? {} }));
  } catch (err) {
    failure = dockerMessage(err);
  }
  if (failure) return failure;
  return (await hasImage(docker, ref)) ? null : 'the engine does not have it after the pull';
}
