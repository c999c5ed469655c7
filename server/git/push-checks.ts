// The checks a pushed commit passes before anything is recorded or built, one function each.
// Each returns what it read or throws a PushRefusal: a stable code, and the words the pusher
// sees as `remote:` lines.
import type Docker from 'dockerode';
import type { Config } from '../../common/config.js';
import type { AllgoManifest, Validators } from '../../schemas/index.js';
import type { Store, User } from '../store/index.js';
import { parseManifest, ManifestError, MANIFEST_MAX_BYTES, DEFAULT_JOB_MEMORY_MB } from '../../common/manifest.js';
import { ParamsError, entrypointArgv } from '../../common/split-params.js';
import { maySee } from '../auth.js';
import { runnableImage } from '../store/versions.js';
import type { Repos, GitEnv } from './repos.js';
import { parseDockerfile, DockerfileRefusal } from './dockerfile/parse.js';
import { checkDockerfile, type CheckedDockerfile, type ImagePolicy } from './dockerfile/check-images.js';

export type PushRefusalCode =
  | 'ref_refused'
  | 'not_your_app'
  | 'repository_too_big'
  | 'manifest_missing'
  | 'manifest_invalid'
  | 'dockerfile_missing'
  | 'dockerfile_too_big'
  | DockerfileRefusal['code']
  | 'unknown_queue'
  | 'readme_too_big'
  | 'over_ceiling'
  | 'build_network_refused'
  | 'bad_push_option'
  | 'test_invalid';

export class PushRefusal extends Error {
  override name = 'PushRefusal';
  constructor(
    readonly code: PushRefusalCode,
    message: string,
  ) {
    super(message);
  }
}

const DOCKERFILE_MAX_BYTES = 256 * 1024;
/**
 * README.md becomes the description, which every view of the app carries: past this it is
 * refused, and not even read (allgo.yaml's own description is bounded by the manifest's size).
 */
const README_MAX_BYTES = 64 * 1024;

export interface Pushed {
  repos: Repos;
  /** The repository receiving the push (staged, for a push that may create it). */
  repo: string;
  commit: string;
  env: GitEnv;
}

export async function readManifest(at: Pushed, validators: Validators): Promise<{ manifest: AllgoManifest; digest: string }> {
  const short = at.commit.slice(0, 12);
  const raw = await at.repos.readFile(at.repo, at.commit, 'allgo.yaml', MANIFEST_MAX_BYTES, at.env);
  if (!raw) {
    throw new PushRefusal('manifest_missing', `commit ${short} has no allgo.yaml at its root.\nallgo: add one, for example:\n\n  version: "1.0"\n  entrypoint: /usr/local/bin/myapp\n`);
  }
  const invalid = (problems: string[]) => new PushRefusal('manifest_invalid', `allgo.yaml at ${short} is invalid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  if ('tooBig' in raw) throw invalid([`allgo.yaml: ${raw.tooBig} bytes is over the ${MANIFEST_MAX_BYTES / 1024} KiB limit; keep long text in README.md`]);
  try {
    const parsed = parseManifest(raw.data, validators.manifest);
    entrypointArgv(parsed.manifest.entrypoint);
    return parsed;
  } catch (err) {
    if (err instanceof ManifestError) throw invalid(err.problems);
    if (err instanceof ParamsError) throw invalid([`allgo.yaml: \`entrypoint\`: ${err.message.replace('the parameters', 'the entrypoint')}`]);
    throw err;
  }
}

/** The Dockerfile as the build will get it: its images checked against what `user` may build on. */
export async function readDockerfile(at: Pushed, policy: ImagePolicy): Promise<CheckedDockerfile> {
  const short = at.commit.slice(0, 12);
  const file = await at.repos.readFile(at.repo, at.commit, 'Dockerfile', DOCKERFILE_MAX_BYTES, at.env);
  if (!file) throw new PushRefusal('dockerfile_missing', `commit ${short} has no Dockerfile at its root (a regular file, not a link): allgo builds the app's image from it`);
  if ('tooBig' in file) throw new PushRefusal('dockerfile_too_big', `the Dockerfile at ${short} is ${file.tooBig} bytes, over the ${DOCKERFILE_MAX_BYTES / 1024} KiB limit`);
  try {
    return checkDockerfile(parseDockerfile(file.data), policy);
  } catch (err) {
    if (err instanceof DockerfileRefusal) throw new PushRefusal(err.code, `Dockerfile${err.line ? `:${err.line}` : ''} at ${short} is refused: ${err.message}`);
    throw err;
  }
}

/** What a pusher may build on: the allowed bases, public apps' images and their own. */
export function imagePolicy(store: Store, user: User, baseImages: readonly string[]): ImagePolicy {
  const usable = (appId: number) => {
    const app = store.apps.byId(appId);
    return !!app && maySee(user, app);
  };
  return {
    baseImages,
    appImage: (name, label) => {
      const app = store.apps.byName(name);
      if (!app || !maySee(user, app)) return null;
      const v = store.versions.byLabel(app.id, label);
      // With a registry, by digest there: the builder host that builds on it may not have it.
      return v?.state === 'ready' ? runnableImage(v) : null;
    },
    imageId: (id) => {
      const versions = store.versions.withImageId(id);
      if (versions.length === 0) return 'unknown';
      return versions.some((v) => v.state === 'ready' && usable(v.appId)) ? 'usable' : 'forbidden';
    },
  };
}

export async function readDescription(at: Pushed, manifest: AllgoManifest): Promise<string> {
  if (manifest.description !== undefined) return manifest.description;
  const readme = await at.repos.readFile(at.repo, at.commit, 'README.md', README_MAX_BYTES, at.env);
  if (readme && 'tooBig' in readme) {
    throw new PushRefusal('readme_too_big', `README.md at ${at.commit.slice(0, 12)} is ${readme.tooBig} bytes, over the ${README_MAX_BYTES / 1024} KiB an app's description may be; shorten it, or set a shorter \`description\` in allgo.yaml`);
  }
  return readme?.data.toString('utf8') ?? '';
}

export function checkQueue(manifest: AllgoManifest, config: Readonly<Config>): void {
  if (manifest.queue && !config.queues.some((q) => q.name === manifest.queue)) {
    throw new PushRefusal('unknown_queue', `allgo.yaml: \`queue\` "${manifest.queue}" is not a queue of this server; use one of: ${config.queues.map((q) => q.name).join(', ')}`);
  }
}

export function checkBuildNetwork(manifest: AllgoManifest, config: Readonly<Config>): void {
  if (manifest.build?.network && !config.build.allowNetwork) {
    throw new PushRefusal('build_network_refused', 'allgo.yaml: `build.network`: this server gives builds no network (builder.allow_network: false); put what the build needs in the repository instead');
  }
}

/** The most a job may get: the config's ceilings, and never more than the engine has. */
export interface Ceilings {
  memoryMb: { value: number; why: string } | null;
  cpus: { value: number; why: string } | null;
}

export async function ceilings(config: Readonly<Config>, docker: Docker): Promise<Ceilings> {
  const info = (await docker.info().catch(() => null)) as { NCPU?: number; MemTotal?: number } | null;
  const lowest = (configured: number | null, field: string, engine: number | undefined, what: string) => {
    if (configured !== null && (engine === undefined || configured <= engine)) return { value: configured, why: `this server's ceiling (${field})` };
    return engine === undefined ? null : { value: engine, why: `the ${what} of this server's Docker engine` };
  };
  return {
    memoryMb: lowest(config.maxMemoryMb, 'limits.max_memory_mb', info?.MemTotal ? Math.floor(info.MemTotal / 1024 / 1024) : undefined, 'memory'),
    cpus: lowest(config.maxCpus, 'limits.max_cpus', info?.NCPU, 'CPUs'),
  };
}

export function checkCeilings(manifest: AllgoManifest, limits: Ceilings): void {
  // The parser fills in the schema's default, so a manifest that gives none is checked too.
  const memory = manifest.memory ?? DEFAULT_JOB_MEMORY_MB;
  if (limits.memoryMb && memory > limits.memoryMb.value) {
    throw new PushRefusal('over_ceiling', `allgo.yaml: \`memory\` ${memory} MB is over ${limits.memoryMb.why}: ${limits.memoryMb.value} MB`);
  }
  if (limits.cpus && manifest.cpus !== undefined && manifest.cpus > limits.cpus.value) {
    throw new PushRefusal('over_ceiling', `allgo.yaml: \`cpus\` ${manifest.cpus} is over ${limits.cpus.why}: ${limits.cpus.value}`);
  }
}
