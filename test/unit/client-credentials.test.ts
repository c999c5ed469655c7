// Where the client finds the server and the token: flags, then ALLGO_URL/ALLGO_TOKEN, then
// ~/.allgo_token (A||GO's convention), then the file `allgo login` writes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError, configFile, DEFAULT_URL, requireToken, resolveCredentials, saveConfig } from '../../client/index.js';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'allgo-creds-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const login = (url: string, token: string) => saveConfig(configFile({}, home), { url, token });
const tokenFile = (text: string) => writeFileSync(join(home, '.allgo_token'), text);

describe('resolveCredentials: precedence', () => {
  it('takes flags over the environment, the token file and the config file', () => {
    login('http://saved:1', 'saved-token');
    tokenFile('file-token');
    const c = resolveCredentials({ url: 'http://flag:2', token: 'flag-token', env: { ALLGO_URL: 'http://env:3', ALLGO_TOKEN: 'env-token' }, home });
    expect(c).toMatchObject({ url: 'http://flag:2', token: 'flag-token', from: { url: 'flag', token: 'flag' } });
  });

  it('takes ALLGO_URL and ALLGO_TOKEN over ~/.allgo_token and the config file', () => {
    login('http://saved:1', 'saved-token');
    tokenFile('file-token');
    const c = resolveCredentials({ env: { ALLGO_URL: 'http://env:3', ALLGO_TOKEN: 'env-token' }, home });
    expect(c).toMatchObject({ url: 'http://env:3', token: 'env-token', from: { url: 'ALLGO_URL', token: 'ALLGO_TOKEN' } });
  });

  it('takes ~/.allgo_token over the config file, newline or not, with the saved URL', () => {
    login('http://saved:1', 'saved-token');
    tokenFile('file-token\n');
    expect(resolveCredentials({ env: {}, home })).toMatchObject({ url: 'http://saved:1', token: 'file-token', from: { url: 'config', token: '~/.allgo_token' } });
  });

  it('uses the config file when nothing else is set', () => {
    login('http://saved:1/', 'saved-token');
    expect(resolveCredentials({ env: {}, home })).toMatchObject({ url: 'http://saved:1', token: 'saved-token', from: { url: 'config', token: 'config' } });
  });

  it('ignores empty variables and an empty token file', () => {
    login('http://saved:1', 'saved-token');
    tokenFile('\n');
    expect(resolveCredentials({ env: { ALLGO_URL: '', ALLGO_TOKEN: '' }, home })).toMatchObject({ url: 'http://saved:1', token: 'saved-token' });
  });

  it('defaults to the local server and no token', () => {
    expect(resolveCredentials({ env: {}, home })).toMatchObject({ url: DEFAULT_URL, token: null, from: { url: 'default', token: null } });
  });
});

describe('resolveCredentials: the saved token stays with its server', () => {
  it('does not send the saved token to another URL', () => {
    login('http://saved:1', 'saved-token');
    const c = resolveCredentials({ env: { ALLGO_URL: 'http://other:2' }, home });
    expect(c.token).toBeNull();
    expect(() => requireToken(c)).toThrow('no token for http://other:2 (the saved login is for http://saved:1): run "allgo login" or set ALLGO_TOKEN');
  });

  it('matches the saved URL however it is spelled', () => {
    login('http://saved:1/', 'saved-token');
    expect(resolveCredentials({ url: 'http://SAVED:1', env: {}, home }).token).toBe('saved-token');
  });

  it('says how to get a token when there is none', () => {
    const c = resolveCredentials({ env: {}, home });
    const err = (() => {
      try {
        requireToken(c);
      } catch (e) {
        return e as ApiError;
      }
    })();
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 0, code: 'no_credentials', message: `no token for ${DEFAULT_URL}: run "allgo login" or set ALLGO_TOKEN` });
  });
});

describe('the config file', () => {
  it('lives in $XDG_CONFIG_HOME/allgo, or ~/.config/allgo when it is unset or relative', () => {
    expect(configFile({ XDG_CONFIG_HOME: '/x/conf' }, home)).toBe('/x/conf/allgo/config.json');
    expect(configFile({}, home)).toBe(join(home, '.config', 'allgo', 'config.json'));
    expect(configFile({ XDG_CONFIG_HOME: 'relative/conf' }, home)).toBe(join(home, '.config', 'allgo', 'config.json'));
  });

  it('is written readable by its owner only, in a private folder, leaving no temporary file', () => {
    const file = configFile({}, home);
    saveConfig(file, { url: 'http://a:1', token: 't1', user: 'ada' });
    saveConfig(file, { url: 'http://a:1', token: 't2', user: 'ada' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, '.config', 'allgo')).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ url: 'http://a:1', token: 't2', user: 'ada' });
    expect(readdirSync(join(home, '.config', 'allgo'))).toEqual(['config.json']);
  });

  it('tightens a file that was readable by others when it rewrites it', () => {
    const file = configFile({}, home);
    mkdirSync(join(home, '.config', 'allgo'), { recursive: true });
    writeFileSync(file, '{}', { mode: 0o644 });
    saveConfig(file, { url: 'http://a:1', token: 't' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('names a broken file and how to repair it', () => {
    const file = configFile({}, home);
    mkdirSync(join(home, '.config', 'allgo'), { recursive: true });
    writeFileSync(file, '{"url": ');
    expect(() => resolveCredentials({ env: {}, home })).toThrow(/config\.json is not valid JSON .*run "allgo login"/);
    writeFileSync(file, '{"url": 3}');
    expect(() => resolveCredentials({ env: {}, home })).toThrow(/needs "url" and "token" strings/);
  });
});

describe('server URLs', () => {
  it('drops trailing slashes and keeps a path prefix', () => {
    expect(resolveCredentials({ url: 'https://lab.example/allgo///', env: {}, home }).url).toBe('https://lab.example/allgo');
  });

  it('refuses what is not an http(s) URL, or one holding a password, naming where it came from', () => {
    expect(() => resolveCredentials({ url: 'localhost:8080', env: {}, home })).toThrow(/must start with http/);
    expect(() => resolveCredentials({ env: { ALLGO_URL: 'not a url' }, home })).toThrow('"not a url" (from ALLGO_URL) is not a URL');
    expect(() => resolveCredentials({ url: 'http://u:secret@host', env: {}, home })).toThrow(/must not hold a user or password/);
  });
});
