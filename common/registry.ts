// The image registry that carries a version's image from the builder's engine to every runner
// host's. Names follow Docker's rules: <registry>/allgo/<app> is a version's repository, and
// jobs run <repository>@sha256:… (a digest, so a moved tag never changes what runs).
import type Docker from 'dockerode';
import { dockerMessage } from './docker-progress.js';

export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

export interface RegistryConfig {
  /** host[:port][/path], as Docker names a registry. */
  readonly address: string;
  readonly credentials: RegistryCredentials | null;
}

/** Docker's auth header body for pushes, pulls and login checks. */
export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
}

/**
 * The address Docker would use for `url`, or a reason it cannot be one. Docker reads the
 * first part of an image name as a registry only when it has a dot or a port, or is
 * localhost; otherwise `lab/allgo/app` would be a Docker Hub user's repository.
 */
export function registryAddress(url: string): { address: string } | { problem: string } {
  const address = url.trim().replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const host = address.split('/')[0];
  if (!/^[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/[a-z0-9._-]+)*$/.test(address)) return { problem: `"${url}" is not a registry address (host[:port][/path])` };
  if (!host.includes('.') && !host.includes(':') && host !== 'localhost') {
    return { problem: `"${url}": Docker reads a name without a dot or a port as a Docker Hub user, not a registry; write ${host}:5000 or its full domain` };
  }
  return { address };
}

/** Where a version's image is pushed: <registry>/allgo/<app>. */
export const appRepository = (registry: RegistryConfig, app: string): string => `${registry.address}/allgo/${app}`;

/** The reference jobs run: the repository and the registry's digest of the image. */
export const pinnedImage = (repository: string, digest: string): string => `${repository}@${digest}`;

/** Whether a run payload's image comes from a registry (by digest) or is a local image id or tag. */
export const isPinnedImage = (image: string): boolean => /^[^@]+\/allgo\/[a-z0-9-]+@sha256:[0-9a-f]{64}$/.test(image);

/** Credentials for the engine to send to the registry, or none for an open registry. */
export function registryAuth(registry: RegistryConfig | null): RegistryAuth | undefined {
  if (!registry?.credentials) return undefined;
  const { username, password } = registry.credentials;
  return { username, password, serveraddress: registry.address.split('/')[0] };
}

/** The password never reaches a log line: pino and JSON.stringify print this instead. */
export function hiddenCredentials(username: string, password: string): RegistryCredentials {
  const c = { username } as RegistryCredentials;
  Object.defineProperty(c, 'password', { value: password, enumerable: false });
  Object.defineProperty(c, 'toJSON', { value: () => ({ username, password: '[hidden]' }), enumerable: false });
  return Object.freeze(c);
}

/** The registry refused this host's credentials, or could not be reached to check them. */
class RegistryRefusedError extends Error {
  override name = 'RegistryRefusedError';
}

/**
 * At start, a builder or runner with credentials checks them through its engine (which is what
 * will push or pull), so a wrong password fails the start with one line, not every job later.
 */
export async function checkRegistryLogin(docker: Pick<Docker, 'checkAuth'>, registry: RegistryConfig | null): Promise<void> {
  const auth = registryAuth(registry);
  if (!auth) return;
  try {
    await docker.checkAuth(auth);
  } catch (err) {
    throw new RegistryRefusedError(`the registry ${registry!.address} refused the login of ${auth.username}: ${dockerMessage(err)}`);
  }
}
