// Configuration is read once (environment + YAML file), validated against
// schemas/config.schema.json, frozen, and passed down. A bad file fails fast, naming the field.
import { readFileSync, existsSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { parse } from 'yaml';
import { createValidators, describeAjvError, type AllgoConfigFile } from '../schemas/index.js';
import { parseDuration } from './duration.js';
import { LABEL_RULE, isValidLabel } from './names.js';
import { registryAddress, hiddenCredentials, type RegistryConfig } from './registry.js';
import { readWebapps, type WebappsConfig } from './webapps-config.js';

export interface QueueConfig {
  name: string;
  timeLimitMs: number;
  description: string;
  /** 1 is served first. Shorter time limit → higher priority, as in A||GO, unless configured. */
  priority: number;
  /** Most jobs of the queue running at once over all runners; null: only runner slots limit it. */
  concurrency: number | null;
  /** Only runners with every one of these labels serve the queue. */
  labels: readonly string[];
  /** Starts again on another host allowed when the host running a job is lost. */
  retries: number;
  /** What its jobs get from Slurm (queues.NAME.slurm), when given. */
  slurm?: Readonly<{ partition?: string; options?: readonly string[] }>;
}

/** The Slurm backend's settings (runner.slurm), paths resolved. */
/** The container runtime on a cluster's nodes (runner.slurm.runtime). */
export type SlurmRuntime = NonNullable<NonNullable<NonNullable<AllgoConfigFile['runner']>['slurm']>['runtime']>;

export interface SlurmConfig {
  /** SLURM_CONF for the Slurm commands; null: theirs. */
  conf: string | null;
  /** The job folders, on the cluster's shared file system. */
  workDir: string;
  /** The versions' exported images, on the shared file system. */
  imageDir: string;
  runtime: SlurmRuntime;
  /** podman --root on the nodes (--runroot beside it); null: podman's own. */
  podmanRoot: string | null;
  pollMs: number;
}

/** A user's share (limits.user, or an admin's for the user); null: unlimited. */
export interface UserLimits {
  maxRunning: number | null;
  maxWaiting: number | null;
  perMinute: number | null;
  storageGb: number | null;
}

export interface Config {
  port: number;
  host: string;
  /** The configured base of the links answers carry; null: each request's own address. */
  publicUrl: string | null;
  /** X-Forwarded-Proto/-Host are believed only when true: a proxy in front sets them. */
  trustProxy: boolean;
  /**
   * Where runners and builders reach the server (ALLGO_SERVER_URL, or the deprecated
   * ALLGO_INTERNAL_URL); null: loopback on this config's port, for roles on the server's host.
   */
  serverUrl: string | null;
  /** The internal listener (hook relay, build sources, runner protocol): loopback on a free port by default. */
  internalListen: Readonly<{ host: string; port: number }>;
  dataDir: string;
  redisUrl: string | null;
  redisPrefix: string;
  dockerHost: string | null;
  adminToken: string | null;
  /** A runner's or builder's token (ALLGO_RUNNER_TOKEN); null: beside the server, derived from its secret. */
  runnerToken: string | null;
  /** This runner's labels (ALLGO_RUNNER_LABELS or --labels): it serves the queues that ask for no other. */
  runnerLabels: readonly string[];
  /** This runner's slots (ALLGO_RUNNER_SLOTS or --slots); null: the server's runner.concurrency. */
  runnerSlots: number | null;
  queues: readonly QueueConfig[];
  defaultQueue: string;
  providerDomains: readonly string[];
  uploadLimitBytes: number;
  uploadMaxFiles: number;
  /** Longest the public port waits for one request's body (limits.upload_timeout). */
  uploadTimeoutMs: number;
  /** Most submissions one user may have uploading at once (limits.uploads_per_user). */
  uploadsPerUser: number;
  buildTimeLimitMs: number;
  /** Each user's share unless an admin set theirs (limits.user). */
  userLimits: Readonly<UserLimits>;
  runnerConcurrency: number;
  runnerUser: string;
  pidsLimit: number;
  outputLimitBytes: number;
  /** Most entries a job may leave in its folder (runner.max_files). */
  maxFiles: number;
  logLimitBytes: number;
  tmpMb: number;
  lockDurationMs: number;
  /** How often runners write their heartbeat; one silent for three of these is lost. */
  heartbeatMs: number;
  /** How long a signed staging URL stays valid. */
  stagingTtlMs: number;
  /** Most bytes of registry images a runner host keeps; null: no limit. */
  imageCacheBytes: number | null;
  /** Where this runner runs jobs (runner.backend, ALLGO_RUNNER_BACKEND, --backend). */
  runnerBackend: 'docker' | 'slurm';
  slurm: Readonly<SlurmConfig>;
  /** Where versions' images go, so runners on other hosts can pull them; null: one host. */
  registry: RegistryConfig | null;
  retentionMs: number;
  builderConcurrency: number;
  /** Patterns of the images builds may start from (see check-images.ts). */
  baseImages: readonly string[];
  /** What one build may use; network only when its manifest asks and allowNetwork. */
  build: Readonly<{ memoryMb: number; pidsLimit: number; allowNetwork: boolean }>;
  /** Admin ceilings on what a manifest may give its jobs; null: the engine's capacity only. */
  maxMemoryMb: number | null;
  maxCpus: number | null;
  /** Largest pack of one push, and largest repository of one app. */
  pushLimitBytes: number;
  repoLimitBytes: number;
  /** The static catalog: built after every publish unless disabled, `debounceMs` after the last change. */
  site: Readonly<{ enabled: boolean; debounceMs: number }>;
  /** The bearer token GET /metrics asks for (ALLGO_METRICS_TOKEN, metrics.token); null: no /metrics. */
  metricsToken: string | null;
  /** Webapp sessions (webapps.*). */
  webapps: Readonly<WebappsConfig>;
  /** Jobs' webhooks: private, loopback and link-local targets only when allowPrivate (webhooks.allow_private). */
  webhooks: Readonly<{ allowPrivate: boolean }>;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** "host:port" or "[v6]:port" → its parts. */
function hostPort(listen: string, file: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  const port = Number(listen.slice(i + 1));
  if (port > 65535) throw new ConfigError(`${file}: internal.listen: ${port} is not a port`);
  return { host: listen.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port };
}

/** A||GO's documented queues. */
const DEFAULT_QUEUES: NonNullable<AllgoConfigFile['queues']> = {
  interactive: { time_limit: '1m', description: 'less than a minute' },
  standard: { time_limit: '20m', description: 'less than 20 minutes' },
  batch: { time_limit: '1d', description: 'less than a day' },
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: AllgoConfigFile & { data_dir?: string } = {}): Readonly<Config> {
  const dataDir = resolve(overrides.data_dir ?? env.ALLGO_DATA_DIR ?? './data');
  const file = env.ALLGO_CONFIG ? resolve(env.ALLGO_CONFIG) : join(dataDir, 'config.yaml');
  let fromFile: AllgoConfigFile = {};
  if (existsSync(file)) {
    let doc: unknown;
    try {
      doc = parse(readFileSync(file, 'utf8'), { maxAliasCount: 50 }) ?? {};
    } catch (err) {
      throw new ConfigError(`${file}: not valid YAML: ${(err as Error).message}`);
    }
    fromFile = doc as AllgoConfigFile;
  } else if (env.ALLGO_CONFIG) {
    throw new ConfigError(`ALLGO_CONFIG names ${file}, which does not exist`);
  }
  const { data_dir: _ignored, ...rest } = overrides;
  const merged: AllgoConfigFile = { ...fromFile, ...rest };
  const v = createValidators().config;
  if (!v(merged)) throw new ConfigError(`${file}: ${v.errors!.map(describeAjvError).join('; ')}`);

  const port = env.PORT ? Number(env.PORT) : merged.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be a port number, got "${env.PORT}"`);
  const host = env.HOST ?? merged.host ?? '0.0.0.0';
  const queues = Object.entries(merged.queues ?? DEFAULT_QUEUES)
    .map(([name, q]) => ({
      name,
      timeLimitMs: parseDuration(q.time_limit),
      description: q.description ?? '',
      concurrency: q.concurrency ?? null,
      labels: Object.freeze([...(q.labels ?? [])].sort()),
      retries: q.retries ?? 0,
      ...(q.slurm ? { slurm: Object.freeze({ ...q.slurm, options: Object.freeze([...(q.slurm.options ?? [])]) }) } : {}),
      configured: q.priority,
    }))
    .sort((a, b) => a.timeLimitMs - b.timeLimitMs)
    .map(({ configured, ...q }, i) => ({ ...q, priority: configured ?? i + 1 }))
    .sort((a, b) => a.priority - b.priority || a.timeLimitMs - b.timeLimitMs);
  const defaultQueue = merged.default_queue ?? (queues.some((q) => q.name === 'standard') ? 'standard' : queues[0].name);
  if (!queues.some((q) => q.name === defaultQueue)) {
    throw new ConfigError(`${file}: default_queue "${defaultQueue}" is not one of the queues (${queues.map((q) => q.name).join(', ')})`);
  }
  // Unset (or empty): links follow the Host each request came with (server/plugins/public-url.ts).
  const publicUrl = (env.ALLGO_PUBLIC_URL || merged.public_url || '').replace(/\/+$/, '') || null;
  if (publicUrl && !/^https?:\/\//.test(publicUrl)) throw new ConfigError(`ALLGO_PUBLIC_URL must start with http:// or https://, got "${publicUrl}"`);
  const trustProxy = env.ALLGO_TRUST_PROXY !== undefined ? /^(1|true|yes)$/i.test(env.ALLGO_TRUST_PROXY) : merged.trust_proxy ?? false;

  const config: Config = {
    port,
    host,
    publicUrl,
    trustProxy,
    serverUrl: serverUrl(env, merged),
    internalListen: Object.freeze(hostPort(merged.internal?.listen ?? '127.0.0.1:0', file)),
    dataDir,
    redisUrl: env.REDIS_URL ?? merged.redis_url ?? null,
    redisPrefix: env.ALLGO_REDIS_PREFIX ?? merged.redis_prefix ?? 'allgo',
    dockerHost: env.DOCKER_HOST ?? null,
    adminToken: env.ALLGO_ADMIN_TOKEN ?? null,
    runnerToken: env.ALLGO_RUNNER_TOKEN || null,
    runnerLabels: runnerLabels(env.ALLGO_RUNNER_LABELS),
    runnerSlots: runnerSlots(env.ALLGO_RUNNER_SLOTS),
    queues: Object.freeze(queues.map((q) => Object.freeze(q))),
    defaultQueue,
    providerDomains: Object.freeze((merged.providers?.email_domains ?? []).map((d) => d.toLowerCase())),
    uploadLimitBytes: Math.round((merged.limits?.upload_mb ?? 1024) * 1024 * 1024),
    uploadMaxFiles: merged.limits?.upload_files ?? 100,
    uploadTimeoutMs: parseDuration(merged.limits?.upload_timeout ?? '30m'),
    uploadsPerUser: merged.limits?.uploads_per_user ?? 4,
    buildTimeLimitMs: parseDuration(merged.limits?.build_time_limit ?? '1h'),
    userLimits: Object.freeze({
      maxRunning: merged.limits?.user?.max_running ?? null,
      maxWaiting: merged.limits?.user?.max_waiting ?? null,
      perMinute: merged.limits?.user?.per_minute ?? null,
      storageGb: merged.limits?.user?.storage_gb ?? null,
    }),
    runnerConcurrency: merged.runner?.concurrency ?? 2,
    runnerUser: merged.runner?.user ?? '65534:65534',
    pidsLimit: merged.runner?.pids_limit ?? 512,
    outputLimitBytes: Math.round((merged.runner?.output_mb ?? 1024) * 1024 * 1024),
    maxFiles: merged.runner?.max_files ?? 10_000,
    logLimitBytes: Math.round((merged.runner?.log_mb ?? 10) * 1024 * 1024),
    tmpMb: merged.runner?.tmp_mb ?? 256,
    lockDurationMs: parseDuration(merged.runner?.lock_duration ?? '30s'),
    heartbeatMs: parseDuration(merged.runner?.heartbeat ?? '5s'),
    stagingTtlMs: parseDuration(merged.runner?.staging_ttl ?? '15m'),
    imageCacheBytes: merged.runner?.image_cache_mb ? Math.round(merged.runner.image_cache_mb * 1024 * 1024) : null,
    runnerBackend: runnerBackend(env.ALLGO_RUNNER_BACKEND ?? merged.runner?.backend),
    slurm: Object.freeze({
      conf: merged.runner?.slurm?.conf ? resolve(merged.runner.slurm.conf) : null,
      workDir: resolve(merged.runner?.slurm?.work_dir ?? join(dataDir, 'runner', 'work')),
      imageDir: resolve(merged.runner?.slurm?.image_dir ?? join(dataDir, 'runner', 'images')),
      runtime: merged.runner?.slurm?.runtime ?? 'podman',
      podmanRoot: merged.runner?.slurm?.podman_root ? resolve(merged.runner.slurm.podman_root) : null,
      pollMs: parseDuration(merged.runner?.slurm?.poll ?? '250ms'),
    }),
    registry: readRegistry(env, merged, file),
    retentionMs: parseDuration(merged.jobs?.retention ?? '30d'),
    builderConcurrency: merged.builder?.concurrency ?? 1,
    baseImages: Object.freeze([...(merged.builder?.base_images ?? ['debian:bookworm'])]),
    build: Object.freeze({ memoryMb: merged.builder?.memory_mb ?? 2048, pidsLimit: merged.builder?.pids_limit ?? 1024, allowNetwork: merged.builder?.allow_network ?? true }),
    maxMemoryMb: merged.limits?.max_memory_mb ?? null,
    maxCpus: merged.limits?.max_cpus ?? null,
    pushLimitBytes: Math.round((merged.limits?.push_mb ?? 512) * 1024 * 1024),
    repoLimitBytes: Math.round((merged.limits?.repo_mb ?? 2048) * 1024 * 1024),
    site: Object.freeze({ enabled: merged.site?.enabled ?? true, debounceMs: parseDuration(merged.site?.debounce ?? '2s') }),
    metricsToken: metricsToken(env.ALLGO_METRICS_TOKEN || merged.metrics?.token),
    webapps: readWebapps(merged.webapps),
    webhooks: Object.freeze({ allowPrivate: merged.webhooks?.allow_private ?? false }),
  };
  return Object.freeze(config);
}

/** ALLGO_SERVER_URL, else the deprecated ALLGO_INTERNAL_URL (then the file's server_url, internal_url). */
function serverUrl(env: NodeJS.ProcessEnv, file: AllgoConfigFile): string | null {
  const url = (env.ALLGO_SERVER_URL || env.ALLGO_INTERNAL_URL || file.server_url || file.internal_url || '').replace(/\/+$/, '');
  if (url && !/^https?:\/\//.test(url)) throw new ConfigError(`ALLGO_SERVER_URL must start with http:// or https://, got "${url}"`);
  return url || null;
}

/** As the schema asks of metrics.token: a short token is guessed by whoever can reach /metrics. */
function metricsToken(token: string | undefined): string | null {
  if (!token) return null;
  if (token.length < 16) throw new ConfigError(`the metrics token (ALLGO_METRICS_TOKEN or metrics.token) must be at least 16 characters, got ${token.length}`);
  return token;
}

function runnerLabels(text: string | undefined): readonly string[] {
  const labels = [...new Set((text ?? '').split(',').map((l) => l.trim()).filter(Boolean))].sort();
  const bad = labels.find((l) => !isValidLabel(l));
  if (bad) throw new ConfigError(`runner label "${bad}": ${LABEL_RULE}`);
  return Object.freeze(labels);
}

function runnerBackend(text: string | undefined): 'docker' | 'slurm' {
  if (!text) return 'docker';
  if (text === 'docker' || text === 'slurm') return text;
  throw new ConfigError(`runner backend must be docker or slurm, got "${text}"`);
}

function runnerSlots(text: string | undefined): number | null {
  if (!text) return null;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new ConfigError(`runner slots must be a whole number from 1 to 256, got "${text}"`);
  return n;
}

/** ALLGO_REGISTRY (and _USERNAME, _PASSWORD) over the file's `registry`. */
function readRegistry(env: NodeJS.ProcessEnv, merged: AllgoConfigFile, file: string): RegistryConfig | null {
  const url = env.ALLGO_REGISTRY ?? merged.registry?.url;
  if (!url) return null;
  const where = env.ALLGO_REGISTRY ? 'ALLGO_REGISTRY' : `${file}: registry.url`;
  const parsed = registryAddress(url);
  if ('problem' in parsed) throw new ConfigError(`${where}: ${parsed.problem}`);
  const username = env.ALLGO_REGISTRY_USERNAME ?? merged.registry?.username;
  const password = env.ALLGO_REGISTRY_PASSWORD ?? merged.registry?.password;
  if (!username !== !password) {
    throw new ConfigError(`registry credentials need both a user name and a password (ALLGO_REGISTRY_USERNAME and ALLGO_REGISTRY_PASSWORD, or registry.username and registry.password in ${file})`);
  }
  return Object.freeze({ address: parsed.address, credentials: username && password ? hiddenCredentials(username, password) : null });
}
