// An app's public facts, and the queue list, built in one place for the API (routes/apps.ts)
// and the catalog export (site/export.ts): what anyone who may see the app may know of it,
// whoever asks. Each adds its own part (the viewer's versions, the owner's git URL, …).
// The shapes are schemas/api.schema.json's AppFacts, AppSummary and QueueInfo.
import type { QueueConfig } from '../common/config.js';
import { inputSchema } from '../common/parameters/input-schema.js';
import { formatDuration } from '../common/duration.js';
import type { AppFacts, AppSummary, QueueInfo, Release, VersionTests } from '../schemas/index.js';
import type { App, Store, Version } from './store/index.js';
import type { LinkBase } from './plugins/public-url.js';
import type { Release as ReleaseRow } from './store/releases.js';

export function appFacts(store: Store, app: App, defaultQueue: string): AppFacts {
  const m = app.manifest;
  return {
    id: app.id,
    name: app.name,
    title: m?.title ?? app.name,
    description: app.description,
    ...(m?.kind === 'webapp' ? { kind: 'webapp' as const } : {}),
    owner: app.ownerName,
    tags: m?.tags ?? [],
    contact: m?.contact ?? null,
    os: m?.os ?? null,
    memory: m?.memory ?? null,
    cpus: m?.cpus ?? null,
    queue: m?.queue ?? defaultQueue,
    presets: (m?.presets ?? []).map((p) => ({ name: p.name, params: p.params ?? '', ...(p.values ? { values: p.values } : {}) })),
    input_limit: m?.input_limit ?? null,
    created_at: app.createdAt,
    updated_at: app.updatedAt,
    latest_version: store.versions.latestReadyLabel(app.id),
    default_version: store.releases.defaultVersionLabel(app.id),
  };
}

/** The app's page in the catalog. */
export const appUrl = (base: LinkBase, name: string): string => `${base.publicUrl}/apps/${name}/`;

/** What a list of apps shows of each: a part of its facts, and a summary for its description. */
export function appSummary(store: Store, app: App, base: LinkBase, defaultQueue: string): AppSummary {
  const f = appFacts(store, app, defaultQueue);
  return {
    id: f.id,
    name: f.name,
    title: f.title,
    summary: summaryOf(f.description),
    owner: f.owner,
    tags: f.tags,
    private: app.private,
    latest_version: f.latest_version,
    default_version: f.default_version,
    updated_at: f.updated_at,
    url: appUrl(base, app.name),
  };
}

const SUMMARY_MAX = 200;

/** A list carries each app's first paragraph, not its description: a list's size is its count's, not its READMEs'. */
function summaryOf(description: string): string {
  const first = description.trimStart().split(/\n\s*\n/, 1)[0].replace(/\s+/g, ' ').trim();
  const chars = Array.from(first);
  return chars.length <= SUMMARY_MAX ? first : `${chars.slice(0, SUMMARY_MAX - 1).join('')}…`;
}

interface VersionFacts {
  version: string;
  commit: string;
  created_at: string;
  finished_at: string | null;
  tests: VersionTests;
}

/** What anyone may know of a ready version; the API adds its state, and its error for the owner. */
export const versionFacts = (v: Pick<Version, 'label' | 'commit' | 'createdAt' | 'finishedAt' | 'tests'>): VersionFacts => ({ version: v.label, commit: v.commit, created_at: v.createdAt, finished_at: v.finishedAt, tests: v.tests ? { passed: true, cases: v.tests } : null });

/** One change of an app's releases, as the API and the catalog show it. */
export const releaseFacts = (r: ReleaseRow): Release => ({ action: r.action, version: r.version, commit: r.commit, by: r.user, at: r.at, default: r.movedDefault, reason: r.reason, tests_passed: r.testsPassed });

/** What a version takes: its typed parameters, whether free text too, and its values' JSON Schema. */
export const versionInputs = (v: Pick<Version, 'manifest'>) => {
  const parameters = v.manifest.parameters ?? [];
  return { parameters, free_params: !v.manifest.parameters || v.manifest.free_params === true, input_schema: inputSchema(parameters) };
};

/** The server's queues, highest priority first (the config keeps them in that order). */
export function queueInfo(queues: readonly QueueConfig[]): QueueInfo[] {
  return queues.map((q) => ({
    name: q.name,
    time_limit: formatDuration(q.timeLimitMs),
    time_limit_seconds: q.timeLimitMs / 1000,
    description: q.description,
    priority: q.priority,
    concurrency: q.concurrency,
    labels: [...q.labels],
    retries: q.retries,
  }));
}
