// Each request's logger is made only when the request logs: what it writes must be what
// Fastify's own per-request child would have written, request id included.
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { lazyRequestLogger } from '../../server/request-logger.js';

async function serverLogging(level: string) {
  const lines: Record<string, unknown>[] = [];
  const out = new Writable({ write: (c, _e, cb) => (lines.push(...String(c).trim().split('\n').map((l) => JSON.parse(l))), cb()) });
  const app = Fastify({ loggerInstance: pino({ level }, out) as FastifyBaseLogger, childLoggerFactory: lazyRequestLogger });
  app.get('/quiet', async () => 'ok');
  app.get('/talks', async (req) => {
    req.log.info({ step: 1 }, 'info line');
    req.log.warn('warn line');
    req.log.child({ part: 'inner' }).error('child line');
    return 'ok';
  });
  app.get('/own-level', { logLevel: 'debug' }, async (req) => {
    req.log.debug('debug line');
    return 'ok';
  });
  return { app, lines };
}

describe('the per-request logger', () => {
  it('writes each line with the request id, as a per-request child would', async () => {
    const { app, lines } = await serverLogging('info');
    await app.inject('/talks');
    const id = lines.find((l) => l.msg === 'incoming request')?.reqId;
    expect(id).toBeTruthy();
    expect(lines.find((l) => l.msg === 'info line')).toMatchObject({ reqId: id, step: 1, level: 30 });
    expect(lines.find((l) => l.msg === 'warn line')).toMatchObject({ reqId: id, level: 40 });
    expect(lines.find((l) => l.msg === 'child line')).toMatchObject({ reqId: id, part: 'inner', level: 50 });
    expect(lines.find((l) => l.msg === 'request completed')).toMatchObject({ reqId: id });
    await app.close();
  });

  it('writes nothing below the server’s level, and what is at or above it', async () => {
    const { app, lines } = await serverLogging('warn');
    await app.inject('/quiet');
    await app.inject('/talks');
    expect(lines.map((l) => l.msg)).toEqual(['warn line', 'child line']);
    await app.close();
  });

  it('answers what pino’s child would of its level and bindings', async () => {
    const { app } = await serverLogging('warn');
    let seen: unknown;
    app.get('/asks', async (req) => {
      const log = req.log as unknown as { isLevelEnabled(l: string): boolean; bindings(): Record<string, unknown> };
      seen = { info: log.isLevelEnabled('info'), warn: log.isLevelEnabled('warn'), bindings: log.bindings() };
      return 'ok';
    });
    await app.inject('/asks');
    expect(seen).toEqual({ info: false, warn: true, bindings: { reqId: expect.any(String) } });
    await app.close();
  });

  it('keeps a route’s own level', async () => {
    const { app, lines } = await serverLogging('warn');
    await app.inject('/own-level');
    expect(lines.map((l) => l.msg)).toContain('debug line');
    await app.close();
  });
});
