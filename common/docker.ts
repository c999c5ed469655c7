// The Docker engine client, built from the config's DOCKER_HOST (read once with the rest of the
// config), so every role in a process talks to the engine the config names.
import Docker from 'dockerode';
import type { Config } from './config.js';

/** dockerode's options for a DOCKER_HOST: unix:///path, tcp://host:port, host:port, https://…, ssh://user@host. */
export function dockerOptions(dockerHost: string | null): Docker.DockerOptions {
  // Docker's own default: the local socket.
  if (!dockerHost) return {};
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) || '/var/run/docker.sock' };
  let url: URL;
  try {
    url = new URL(dockerHost.includes('//') ? dockerHost : `tcp://${dockerHost}`);
  } catch {
    throw new Error(`DOCKER_HOST "${dockerHost}" is not an engine address: use unix:///var/run/docker.sock or tcp://host:2375`);
  }
  const options: Docker.DockerOptions = { host: url.hostname, port: url.port || undefined };
  if (url.protocol === 'ssh:') return { ...options, protocol: 'ssh', username: url.username || undefined };
  // Otherwise dockerode picks http or https as Docker's client does (DOCKER_TLS_VERIFY, port 2376, DOCKER_CERT_PATH).
  if (url.protocol === 'https:') return { ...options, protocol: 'https' };
  return options;
}

export const connectDocker = (config: Pick<Config, 'dockerHost'>): Docker => new Docker(dockerOptions(config.dockerHost));
