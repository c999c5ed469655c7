// Where the server's URL and the API token come from, first found wins:
//   1. flags (or the options given to the library),
//   2. the environment: ALLGO_URL, ALLGO_TOKEN,
//   3. ~/.allgo_token: the token alone, A||GO's convention, so its users need nothing new,
//   4. the config file `allgo login` writes ($XDG_CONFIG_HOME/allgo/config.json or
//      ~/.config/allgo/config.json, mode 0600).
// The config file's token belongs to the URL saved with it: it is never sent to another server.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { ApiError } from './browser/errors.js';

export const DEFAULT_URL = 'http://localhost:8080';

export type Source = 'flag' | 'ALLGO_URL' | 'ALLGO_TOKEN' | '~/.allgo_token' | 'config' | 'default';

export interface Credentials {
  /** The server's base URL, without a trailing slash. */
  url: string;
  token: string | null;
  /** Where each came from, for messages such as "the token from ALLGO_TOKEN was refused". */
  from: { url: Source; token: Source | null };
  /** The config file that was (or would be) read. */
  configFile: string;
}

export interface SavedConfig {
  url: string;
  token: string;
  /** The user name the token belonged to when saved (informational). */
  user?: string;
}

export interface ResolveOptions {
  url?: string;
  token?: string;
  env?: NodeJS.ProcessEnv;
  home?: string;
}

export function configFile(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(home, '.config'), 'allgo', 'config.json');
}

export function resolveCredentials(opts: ResolveOptions = {}): Credentials {
  const env = opts.env ?? process.env;
  const home = opts.home ?? homedir();
  const file = configFile(env, home);
  const saved = readConfig(file);

  const [rawUrl, urlFrom]: [string, Source] = opts.url
    ? [opts.url, 'flag']
    : env.ALLGO_URL
      ? [env.ALLGO_URL, 'ALLGO_URL']
      : saved?.url
        ? [saved.url, 'config']
        : [DEFAULT_URL, 'default'];
  const url = normalizeUrl(rawUrl, urlFrom);

  const tokenFile = readTokenFile(join(home, '.allgo_token'));
  const [token, tokenFrom]: [string | null, Source | null] = opts.token
    ? [opts.token, 'flag']
    : env.ALLGO_TOKEN
      ? [env.ALLGO_TOKEN, 'ALLGO_TOKEN']
      : tokenFile
        ? [tokenFile, '~/.allgo_token']
        : saved?.token && sameServer(saved.url, url)
          ? [saved.token, 'config']
          : [null, null];
  return { url, token, from: { url: urlFrom, token: tokenFrom }, configFile: file };
}

/** The token, or an error that says how to get one. */
export function requireToken(c: Credentials): string {
  if (c.token) return c.token;
  const saved = readConfig(c.configFile);
  const elsewhere = saved?.token && !sameServer(saved.url, c.url) ? ` (the saved login is for ${saved.url})` : '';
  throw new ApiError(0, 'no_credentials', `no token for ${c.url}${elsewhere}: run "allgo login" or set ALLGO_TOKEN`);
}

/** Writes the config file atomically, readable by its owner only. */
export function saveConfig(file: string, config: SavedConfig): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ ...config, url: normalizeUrl(config.url, 'flag') }, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

export function readConfig(file: string): SavedConfig | null {
  if (!existsSync(file)) return null;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ApiError(0, 'bad_config', `${file} is not valid JSON (${(err as Error).message}): fix it, or delete it and run "allgo login"`);
  }
  const v = value as Partial<SavedConfig> | null;
  if (!v || typeof v !== 'object' || typeof v.url !== 'string' || typeof v.token !== 'string') {
    throw new ApiError(0, 'bad_config', `${file} needs "url" and "token" strings: run "allgo login" to rewrite it`);
  }
  return { url: v.url, token: v.token, ...(typeof v.user === 'string' ? { user: v.user } : {}) };
}

function readTokenFile(file: string): string | null {
  if (!existsSync(file)) return null;
  // A||GO's convention is a file without a newline; one left by an editor is forgiven.
  return readFileSync(file, 'utf8').trim() || null;
}

function normalizeUrl(raw: string, from: Source): string {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new ApiError(0, 'bad_config', `"${raw}" (from ${from}) is not a URL: give the server's address, e.g. ${DEFAULT_URL}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ApiError(0, 'bad_config', `"${raw}" (from ${from}) must start with http:// or https://`);
  if (u.username || u.password) throw new ApiError(0, 'bad_config', `"${raw}" (from ${from}) must not hold a user or password: the token goes in ALLGO_TOKEN or "allgo login"`);
  return (u.origin + u.pathname).replace(/\/+$/, '');
}

function sameServer(a: string, b: string): boolean {
  try {
    return normalizeUrl(a, 'config') === b;
  } catch {
    return false;
  }
}
