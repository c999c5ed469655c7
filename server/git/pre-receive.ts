// What a push to main goes through, while the pusher watches:
//   check allgo.yaml + Dockerfile at the pushed commit → check the version label is new
//   → record the version (building) → queue the build → stream its log → publish or refuse.
// It runs inside git's pre-receive hook, so a refusal or a failed build leaves `main` where
// it was and git exits non-zero, like `git push dokku main`.
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { Config } from '../../common/config.js';
import type { Store, User } from '../store/index.js';
import type { Queues } from '../queues.js';
import type { ServerEvents } from '../events.js';
import type { Validators } from '../../schemas/index.js';
import { KeyedLock } from '../keyed-lock.js';
import { parseManifest, ManifestError, MANIFEST_MAX_BYTES } from '../../common/manifest.js';
import { ParamsError, entrypointArgv } from '../../common/split-params.js';
import { buildLogKey } from '../../common/queues.js';
import { followLog } from '../../common/log-stream.js';
import { IMAGE_LABELS } from '../../common/labels.js';
import { imageTag } from '../../common/names.js';
import { appRepository } from '../../common/registry.js';
import { runnableImage } from '../store/versions.js';
import { isFinishedVersion } from '../../common/states.js';
import { maySee } from '../auth.js';
import { Repos, ZERO_SHA, type GitEnv } from './repos.js';
import { PushOutput } from './push-output.js';
import { appUrl } from '../app-facts.js';
import { parseDockerfile, DockerfileRefusal } from './dockerfile/parse.js';
import { checkDockerfile, type ImagePolicy } from './dockerfile/check-images.js';

export interface PushContext {
  user: User;
  app: string;
  /** Base of the links the push prints: the address the pusher used, unless one is configured. */
  publicUrl: string;
}

/** Builds in progress, by version id: what each is given, which may exist only in the push's quarantine. */
export type BuildSources = Map<number, BuildSource>;

export interface RefUpdate {
  old: string;
  new: string;
  ref: string;
}

export interface PreReceiveDeps {
  config: Readonly<Config>;
  store: Store;
  repos: Repos;
  queues: Queues;
  redis: Redis;
  events: ServerEvents;
  validators: Validators;
  log: Logger;
  /** URL a builder fetches the commit's tar from. */
  contextUrl(versionId: number): string;
  /** What builds in progress are given: the tree to archive, and the quarantine it is in. */
  sources: BuildSources;
  /** The installation's own image namespace (see imageTag). */
  imageNamespace: string;
}

export interface BuildSource {
  app: string;
  /** The pushed commit's tree with the Dockerfile as checked. */
  tree: string;
  env: GitEnv;
}

const DOCKERFILE_MAX_BYTES = 256 * 1024;
/** README.md becomes the description; past this it is not even read. */
const README_MAX_BYTES = 1024 * 1024;

export type Say = (text: string) => void;

export function parseUpdates(text: string): RefUpdate[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [oldSha, newSha, ref] = l.split(/\s+/);
      return { old: oldSha, new: newSha, ref };
    });
}

export class PreReceive {
  private readonly buildLock = new KeyedLock();

  constructor(private readonly deps: PreReceiveDeps) {}

  /** Returns git's exit status for the hook: 0 accepts the push. */
  async handle(push: PushContext, updates: RefUpdate[], env: GitEnv, say: Say): Promise<number> {
    const main = updates.find((u) => u.ref === 'refs/heads/main');
    for (const u of updates) {
      if (!u.ref.startsWith('refs/heads/') && !u.ref.startsWith('refs/tags/')) {
        say(`allgo: refusing ${u.ref}: only branches and tags can be pushed\n`);
        return 1;
      }
    }
    if (!main && !this.deps.store.apps.byName(push.app)) {
      // The first push of an app must be main: it creates the app and makes the pusher its
      // owner. Storing branches first would leave a repository nobody owns.
      say(`allgo: "${push.app}" is not an app yet: push main first (it creates the app and publishes it)\n`);
      return 1;
    }
    if (!main) {
      say(`allgo: stored ${updates.map((u) => u.ref.replace(/^refs\/(heads|tags)\//, '')).join(', ')}; only pushes to main are published\n`);
      return 0;
    }
    if (ZERO_SHA.test(main.new)) {
      say('allgo: refusing to delete main: it is the branch allgo publishes from\n');
      return 1;
    }
    try {
      return await this.publish(push, main.new, env, say);
    } catch (err) {
      this.deps.log.error({ err, app: push.app }, 'push failed');
      say(`allgo: internal error while checking the push (${(err as Error).message}); try again\n`);
      return 1;
    }
  }

  private async publish(push: PushContext, commit: string, env: GitEnv, say: Say): Promise<number> {
    const { store, repos, config, validators } = this.deps;
    const short = commit.slice(0, 12);
    const raw = await repos.readFile(push.app, commit, 'allgo.yaml', MANIFEST_MAX_BYTES, env);
    if (!raw) {
      say(`allgo: commit ${short} has no allgo.yaml at its root.\nallgo: add one, for example:\n\n  version: "1.0"\n  entrypoint: /usr/local/bin/myapp\n\n`);
      return 1;
    }
    if ('tooBig' in raw) {
      say(`allgo: allgo.yaml at ${short} is invalid:\n  allgo.yaml: ${raw.tooBig} bytes is over the ${MANIFEST_MAX_BYTES / 1024} KiB limit; keep long text in README.md\n`);
      return 1;
    }
    let manifest;
    let digest;
    try {
      ({ manifest, digest } = parseManifest(raw.data, validators.manifest));
      entrypointArgv(manifest.entrypoint);
    } catch (err) {
      if (err instanceof ManifestError) {
        say(`allgo: allgo.yaml at ${short} is invalid:\n${err.problems.map((p) => `  ${p}\n`).join('')}`);
        return 1;
      }
      if (err instanceof ParamsError) {
        say(`allgo: allgo.yaml at ${short} is invalid:\n  allgo.yaml: \`entrypoint\`: ${err.message.replace('the parameters', 'the entrypoint')}\n`);
        return 1;
      }
      throw err;
    }
    const dockerfile = await repos.readFile(push.app, commit, 'Dockerfile', DOCKERFILE_MAX_BYTES, env);
    if (!dockerfile) {
      say(`allgo: commit ${short} has no Dockerfile at its root (a regular file, not a link): allgo builds the app's image from it\n`);
      return 1;
    }
    if ('tooBig' in dockerfile) {
      say(`allgo: the Dockerfile at ${short} is ${dockerfile.tooBig} bytes, over the ${DOCKERFILE_MAX_BYTES / 1024} KiB limit\n`);
      return 1;
    }
    let checked;
    try {
      checked = checkDockerfile(parseDockerfile(dockerfile.data), this.imagePolicy(push.user));
    } catch (err) {
      if (!(err instanceof DockerfileRefusal)) throw err;
      say(`allgo: Dockerfile${err.line ? `:${err.line}` : ''} at ${short} is refused: ${err.message}\n`);
      return 1;
    }
    if (manifest.queue && !config.queues.some((q) => q.name === manifest.queue)) {
      say(`allgo: allgo.yaml: \`queue\` "${manifest.queue}" is not a queue of this server; use one of: ${config.queues.map((q) => q.name).join(', ')}\n`);
      return 1;
    }
    let description = manifest.description ?? '';
    if (manifest.description === undefined) {
      const readme = await repos.readFile(push.app, commit, 'README.md', README_MAX_BYTES, env);
      if (readme && 'tooBig' in readme) {
        say(`allgo: README.md at ${short} is ${readme.tooBig} bytes, over the ${README_MAX_BYTES / 1024 / 1024} MiB allgo reads; shorten it, or set \`description\` in allgo.yaml\n`);
        return 1;
      }
      description = readme?.data.toString('utf8') ?? '';
    }
    // The build gets the Dockerfile as checked, never the one pushed.
    const tree = await repos.treeWith(push.app, commit, 'Dockerfile', Buffer.from(checked.text), env);

    let app = store.apps.byName(push.app);
    if (app && app.ownerId !== push.user.id && !push.user.isAdmin) {
      say(`allgo: app "${push.app}" belongs to ${app.ownerName}: only its owner can push to it\n`);
      return 1;
    }
    if (this.buildLock.isHeld(push.app)) say(`allgo: another push of ${push.app} is building; waiting for it to finish…\n`);
    const release = await this.buildLock.acquire(push.app);
    try {
      // Another first push may have created the app while this one waited: check again.
      app = store.apps.byName(push.app) ?? store.apps.create(push.app, push.user.id, manifest.private ?? false);
      if (app.ownerId !== push.user.id && !push.user.isAdmin) {
        say(`allgo: app "${push.app}" belongs to ${app.ownerName}: only its owner can push to it\n`);
        return 1;
      }
      const existing = store.versions.byLabel(app.id, manifest.version);
      if (existing?.state === 'ready') {
        if (existing.commit === commit) {
          say(`allgo: version ${manifest.version} is already published from this commit\n`);
          return 0;
        }
        say(
          `allgo: version "${manifest.version}" of ${push.app} is already published from commit ${existing.commit.slice(0, 12)}.\n` +
            `allgo: bump \`version\` in allgo.yaml to publish commit ${short}.\n`,
        );
        return 1;
      }
      if (existing?.state === 'building') {
        say(`allgo: version "${manifest.version}" is being built from commit ${existing.commit.slice(0, 12)}; wait for it, or bump \`version\`\n`);
        return 1;
      }
      const version = store.versions.startBuilding({
        appId: app.id,
        label: manifest.version,
        commit,
        manifest,
        manifestDigest: digest,
        description,
        image: imageTag(this.deps.imageNamespace, push.app, manifest.version),
        pusherId: push.user.id,
      });
      this.deps.sources.set(version.id, { app: push.app, tree, env });
      try {
        return await this.build(push, version.id, say);
      } finally {
        this.deps.sources.delete(version.id);
      }
    } finally {
      release();
    }
  }

  /** What this pusher may build on: the allowed bases, public apps' images and their own. */
  private imagePolicy(user: User): ImagePolicy {
    const { store, config } = this.deps;
    const usable = (appId: number) => {
      const app = store.apps.byId(appId);
      return !!app && maySee(user, app);
    };
    return {
      baseImages: config.baseImages,
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

  private async build(push: PushContext, versionId: number, say: Say): Promise<number> {
    const { store, queues, config, redis, events } = this.deps;
    const version = store.versions.byId(versionId)!;
    const logKey = buildLogKey(config.redisPrefix, versionId);
    say(`allgo: building ${push.app} ${version.label} from commit ${version.commit.slice(0, 12)}\n`);
    await queues.enqueueBuild({
      versionId,
      app: push.app,
      version: version.label,
      commit: version.commit,
      contextUrl: this.deps.contextUrl(versionId),
      image: version.image,
      labels: {
        [IMAGE_LABELS.app]: push.app,
        [IMAGE_LABELS.version]: version.label,
        [IMAGE_LABELS.commit]: version.commit,
        [IMAGE_LABELS.manifestDigest]: version.manifestDigest,
      },
      logKey,
      timeLimitMs: config.buildTimeLimitMs,
      ...(config.registry ? { push: { repository: appRepository(config.registry, push.app) } } : {}),
    });
    // Relay the log until the builder marks its end, then wait for the store to say how it ended.
    const shown = new PushOutput(say);
    await followLog(redis, logKey, '0', (c) => shown.write(c.data), () => isFinishedVersion(store.versions.byId(versionId)!.state));
    shown.end();
    let final = store.versions.byId(versionId)!;
    while (!isFinishedVersion(final.state)) {
      await events.next('version', versionId, 1000);
      final = store.versions.byId(versionId)!;
    }
    if (final.state === 'ready') {
      say(`\npublished ${push.app} ${final.label}\n  ${appUrl(push, push.app)}\n\n`);
      return 0;
    }
    // The build log's route needs the owner's token: name the command that sends it.
    say(`\nallgo: build of ${push.app} ${final.label} failed: ${final.error ?? 'unknown error'}\nallgo: fix it and push again (the whole build log: allgo build-log ${push.app} ${final.label})\n\n`);
    return 1;
  }
}
