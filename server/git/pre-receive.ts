// What a push to main goes through, while the pusher watches:
//   check allgo.yaml + Dockerfile at the pushed commit → check the version label is new
//   → record the version (building) → queue the build → stream its log → publish or refuse.
// It runs inside git's pre-receive hook, so a refusal or a failed build leaves `main` where
// it was and git exits non-zero, like `git push dokku main`.
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type Docker from 'dockerode';
import type { Config } from '../../common/config.js';
import type { App, Store, User } from '../store/index.js';
import type { Queues } from '../queues.js';
import type { ServerEvents } from '../events.js';
import type { BuildPayload, Validators } from '../../schemas/index.js';
import { KeyedLock } from '../keyed-lock.js';
import { buildLogKey } from '../../common/queues.js';
import { followLog } from '../../common/log-stream.js';
import { IMAGE_LABELS } from '../../common/labels.js';
import { imageTag } from '../../common/names.js';
import { appRepository } from '../../common/registry.js';
import { isFinishedVersion } from '../../common/states.js';
import { mayManage, maySee } from '../auth.js';
import { ZERO_SHA, type GitEnv, type Repos } from './repos.js';
import { PushOutput } from './push-output.js';
import { appUrl } from '../app-facts.js';
import { defaultVersion } from '../releases.js';
import { readPushOptions, type PushOptions } from './push-options.js';
import { readTests } from './push-tests.js';
import type { PushOutcome } from '../metrics/server-metrics.js';
import {
  PushRefusal,
  ceilings,
  checkBuildNetwork,
  checkCeilings,
  checkQueue,
  imagePolicy,
  readDescription,
  readDockerfile,
  readManifest,
  type Pushed,
} from './push-checks.js';

export interface PushContext {
  user: User;
  app: string;
  /** Base of the links the push prints: the address the pusher used, unless one is configured. */
  publicUrl: string;
  /** The repository receiving the push: the app's, or a staged one when it has none yet. */
  repo: string;
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
  docker: Docker;
  log: Logger;
  /** Where a builder fetches the build's source (a tar), and the signature that lets it. */
  sourceFor(versionId: number): { url: string; signature: string };
  /** What builds in progress are given: the tree to archive, and the quarantine it is in. */
  sources: BuildSources;
  /** The installation's own image namespace (see imageTag). */
  imageNamespace: string;
  /** Told how each push ended (for /metrics). */
  countPush?(outcome: PushOutcome): void;
}

interface BuildSource {
  /** The repository the push went to. */
  repo: string;
  /** The pushed commit's tree with the Dockerfile as checked. */
  tree: string;
  env: GitEnv;
}

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
  async handle(push: PushContext, updates: RefUpdate[], env: GitEnv, say: Say, pushOptions: readonly string[] = []): Promise<number> {
    try {
      const status = await this.receive(push, updates, env, say, readPushOptions(pushOptions));
      this.deps.countPush?.(status === 0 ? 'accepted' : 'failed');
      return status;
    } catch (err) {
      if (err instanceof PushRefusal) {
        this.deps.countPush?.('refused');
        say(`allgo: ${err.message}\n`);
        return 1;
      }
      this.deps.countPush?.('error');
      this.deps.log.error({ err, app: push.app }, 'push failed');
      say(`allgo: internal error while checking the push (${(err as Error).message}); try again\n`);
      return 1;
    }
  }

  private async receive(push: PushContext, updates: RefUpdate[], env: GitEnv, say: Say, options: PushOptions): Promise<number> {
    const { store, repos, config } = this.deps;
    for (const u of updates) {
      if (!u.ref.startsWith('refs/heads/') && !u.ref.startsWith('refs/tags/')) throw new PushRefusal('ref_refused', `refusing ${u.ref}: only branches and tags can be pushed`);
      if (u.ref === 'refs/heads/HEAD') throw new PushRefusal('ref_refused', 'refusing refs/heads/HEAD: a branch named HEAD would be taken for the repository\'s HEAD; name it something else');
    }
    const existing = store.apps.byName(push.app);
    if (existing) refuseUnlessOwner(push.user, existing);
    const size = await repos.size(push.repo);
    if (size > config.repoLimitBytes) {
      throw new PushRefusal('repository_too_big', `this push would make the repository of ${push.app} ${mb(size)} MB, over this server's limit of ${mb(config.repoLimitBytes)} MB (limits.repo_mb)`);
    }
    const main = updates.find((u) => u.ref === 'refs/heads/main');
    if (!main && !existing) {
      // The first push of an app must be main: it creates the app and makes the pusher its
      // owner. Storing branches first would leave a repository nobody owns.
      throw new PushRefusal('ref_refused', `"${push.app}" is not an app yet: push main first (it creates the app and publishes it)`);
    }
    if (!main) {
      say(`allgo: stored ${updates.map((u) => u.ref.replace(/^refs\/(heads|tags)\//, '')).join(', ')}; only pushes to main are published\n`);
      return 0;
    }
    if (ZERO_SHA.test(main.new)) throw new PushRefusal('ref_refused', 'refusing to delete main: it is the branch allgo publishes from');
    return this.publish(push, { repos, repo: push.repo, commit: main.new, env }, say, options);
  }

  private async publish(push: PushContext, at: Pushed, say: Say, options: PushOptions): Promise<number> {
    const { store, repos, config, validators } = this.deps;
    const { commit } = at;
    const short = commit.slice(0, 12);
    const { manifest, digest } = await readManifest(at, validators);
    const dockerfile = await readDockerfile(at, imagePolicy(store, push.user, config.baseImages));
    checkQueue(manifest, config);
    checkBuildNetwork(manifest, config);
    checkCeilings(manifest, await ceilings(config, this.deps.docker));
    const description = await readDescription(at, manifest);
    const tests = await readTests(at, manifest, push.app);
    // The build gets the Dockerfile as checked, never the one pushed.
    const tree = await repos.treeWith(at.repo, commit, 'Dockerfile', Buffer.from(dockerfile.text), at.env);

    if (this.buildLock.isHeld(push.app)) say(`allgo: another push of ${push.app} is building; waiting for it to finish…\n`);
    const release = await this.buildLock.acquire(push.app);
    try {
      // Another first push may have created the app while this one waited: check again.
      const app = store.apps.byName(push.app) ?? store.apps.create(push.app, push.user.id, manifest.private ?? false);
      refuseUnlessOwner(push.user, app);
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
        promote: options.promote ?? manifest.promote ?? true,
      });
      this.deps.sources.set(version.id, { repo: at.repo, tree, env: at.env });
      try {
        return await this.build(push, version.id, manifest.build?.network ?? false, tests, say);
      } finally {
        this.deps.sources.delete(version.id);
      }
    } finally {
      release();
    }
  }

  private async build(push: PushContext, versionId: number, network: boolean, tests: NonNullable<BuildPayload['tests']>, say: Say): Promise<number> {
    const { store, queues, config, redis, events } = this.deps;
    const version = store.versions.byId(versionId)!;
    const logKey = buildLogKey(config.redisPrefix, versionId);
    say(`allgo: building ${push.app} ${version.label} from commit ${version.commit.slice(0, 12)}\n`);
    const source = this.deps.sourceFor(versionId);
    await queues.enqueueBuild({
      versionId,
      app: push.app,
      version: version.label,
      commit: version.commit,
      contextUrl: source.url,
      contextSignature: source.signature,
      image: version.image,
      labels: {
        [IMAGE_LABELS.app]: push.app,
        [IMAGE_LABELS.version]: version.label,
        [IMAGE_LABELS.commit]: version.commit,
        [IMAGE_LABELS.manifestDigest]: version.manifestDigest,
      },
      logKey,
      timeLimitMs: config.buildTimeLimitMs,
      memoryMb: config.build.memoryMb,
      pidsLimit: config.build.pidsLimit,
      network,
      ...(tests.length ? { tests } : {}),
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
      const current = defaultVersion(store, { id: final.appId });
      const release = current?.id === final.id ? ' (now its default version)' : `; its default stays ${current?.label ?? 'unset'} (make it the default: allgo promote ${push.app} ${final.label})`;
      say(`\npublished ${push.app} ${final.label}${release}\n  ${appUrl(push, push.app)}\n\n`);
      return 0;
    }
    // The build log's route needs the owner's token: name the command that sends it.
    say(`\nallgo: build of ${push.app} ${final.label} failed: ${final.error ?? 'unknown error'}\nallgo: fix it and push again (the whole build log: allgo build-log ${push.app} ${final.label})\n\n`);
    return 1;
  }
}

function refuseUnlessOwner(user: User, app: App): void {
  if (mayManage(user, app)) return;
  // A private app is invisible to others: to them its name is only taken, like any name in use.
  if (!maySee(user, app)) throw new PushRefusal('not_your_app', `no app "${app.name}" you can push to: the name is taken, choose another`);
  throw new PushRefusal('not_your_app', `app "${app.name}" belongs to ${app.ownerName}: only its owner can push to it`);
}

const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '');
