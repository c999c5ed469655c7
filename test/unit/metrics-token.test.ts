// GET /metrics answers only the metrics token, and not at all when none is configured.
import { describe, it, expect } from 'vitest';
import { checkMetricsToken } from '../../server/metrics/plugin.js';
import { loadConfig, ConfigError } from '../../common/config.js';
import { NotFoundError, UnauthorizedError } from '../../server/errors.js';
import { answerOf } from '../../server/error-handler.js';

const TOKEN = 'm'.repeat(32);

describe('checkMetricsToken', () => {
  it('lets the configured bearer token through', () => {
    expect(() => checkMetricsToken(TOKEN, `Bearer ${TOKEN}`)).not.toThrow();
    expect(() => checkMetricsToken(TOKEN, `bearer ${TOKEN}`)).not.toThrow();
  });

  it.each([
    ['no header', undefined],
    ['another token', `Bearer ${'x'.repeat(32)}`],
    ['a prefix of it', `Bearer ${TOKEN.slice(0, 31)}`],
    ["a user's token form", `Token token=${TOKEN}`],
    ['the bare token', TOKEN],
    ['an empty bearer', 'Bearer '],
  ])('answers 401 {error, code} to %s', (_what, header) => {
    let thrown: unknown;
    try {
      checkMetricsToken(TOKEN, header);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(UnauthorizedError);
    expect(answerOf(thrown as Error)).toEqual({ status: 401, body: { code: 'unauthorized', error: expect.stringContaining('Authorization: Bearer') } });
  });

  it('answers 404, saying how to turn metrics on, when no token is configured (even to a bearer)', () => {
    expect(() => checkMetricsToken(null, `Bearer ${TOKEN}`)).toThrow(NotFoundError);
    expect(() => checkMetricsToken(null, undefined)).toThrow(/ALLGO_METRICS_TOKEN/);
  });
});

describe('the metrics token in the config', () => {
  const dataDir = '/nonexistent-allgo-metrics-test';
  it('is off by default, read from ALLGO_METRICS_TOKEN', () => {
    expect(loadConfig({ ALLGO_DATA_DIR: dataDir }).metricsToken).toBeNull();
    expect(loadConfig({ ALLGO_DATA_DIR: dataDir, ALLGO_METRICS_TOKEN: TOKEN }).metricsToken).toBe(TOKEN);
  });

  it('is read from metrics.token, which ALLGO_METRICS_TOKEN overrides', () => {
    const other = 'o'.repeat(20);
    expect(loadConfig({ ALLGO_DATA_DIR: dataDir }, { metrics: { token: other } }).metricsToken).toBe(other);
    expect(loadConfig({ ALLGO_DATA_DIR: dataDir, ALLGO_METRICS_TOKEN: TOKEN }, { metrics: { token: other } }).metricsToken).toBe(TOKEN);
  });

  it('refuses a short token, from either place', () => {
    expect(() => loadConfig({ ALLGO_DATA_DIR: dataDir, ALLGO_METRICS_TOKEN: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ ALLGO_DATA_DIR: dataDir }, { metrics: { token: 'short' } })).toThrow(/metrics.token. must NOT have fewer than 16/);
  });
});
