// Finding and removing the images allgo built, for tests and benchmarks. allgo's engine tags
// are private to the installation, so images are found by their labels (allgo.app,
// allgo.version), the way an admin would.
import { execFileSync } from 'node:child_process';
import { IMAGE_LABELS } from '../common/labels.js';

function docker(...args: string[]): string[] {
  try {
    return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** Full ids of the images built for an app (one version, or all). */
export function appImageIds(app: string, version?: string): string[] {
  const filters = ['--filter', `label=${IMAGE_LABELS.app}=${app}`, ...(version ? ['--filter', `label=${IMAGE_LABELS.version}=${version}`] : [])];
  return [...new Set(docker('images', '-q', '--no-trunc', ...filters))];
}

/** The image of one app version; throws when there is not exactly one. */
export function appImageId(app: string, version: string): string {
  const ids = appImageIds(app, version);
  if (ids.length !== 1) throw new Error(`expected one image of ${app} ${version}, found ${ids.length}`);
  return ids[0];
}

/**
 * Removes the images the given apps made, and any job container still using them (a runner
 * that stops leaves its jobs' containers running, by design). Cleanup never fails a caller.
 */
export function removeAppImages(apps: string[]): void {
  for (const app of apps) {
    const ids = appImageIds(app);
    for (const id of ids) {
      const containers = docker('ps', '-aq', '--filter', `ancestor=${id}`);
      if (containers.length) docker('rm', '-f', ...containers);
    }
    if (ids.length) docker('rmi', '-f', ...ids);
  }
}
