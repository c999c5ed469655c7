// A session's host name, ID.<webapps.domain>, is served as its path route; no other host is
// touched, and without a domain nothing is rewritten.
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { cameByHost, hostRouteRewriter } from '../../server/sessions/host-route.js';
import { readWebapps } from '../../common/webapps-config.js';

const req = (host: string, url = '/page?x=1') => ({ headers: { host }, url }) as unknown as IncomingMessage;

describe('the host route', () => {
  it('maps ID.<domain>, with or without a port, onto /s/ID/', () => {
    const rewrite = hostRouteRewriter('apps.example.org')!;
    for (const host of ['sabcdefghij1.apps.example.org', 'SABCDEFGHIJ1.Apps.Example.org:8080']) {
      const r = req(host);
      expect(rewrite(r)).toBe('/s/sabcdefghij1/page?x=1');
      expect(cameByHost(r)).toBe(true);
    }
  });

  it('leaves every other host alone: the platform itself, look-alikes and deeper names', () => {
    const rewrite = hostRouteRewriter('apps.example.org')!;
    for (const host of ['apps.example.org', 'allgo.example.org', 'sabcdefghij1.apps.example.org.evil.test', 'x.sabcdefghij1.apps.example.org', 'sabc.apps.example.org', 'sabcdefghij1.appsXexample.org']) {
      const r = req(host, '/api/v1/jobs');
      expect(rewrite(r), host).toBe('/api/v1/jobs');
      expect(cameByHost(r)).toBe(false);
    }
  });

  it('takes a domain with a port as it is, and rewrites nothing without a domain', () => {
    const rewrite = hostRouteRewriter('apps.test:8443')!;
    expect(rewrite(req('sabcdefghij1.apps.test:8443'))).toBe('/s/sabcdefghij1/page?x=1');
    expect(rewrite(req('sabcdefghij1.apps.test:9999'))).toBe('/page?x=1');
    expect(hostRouteRewriter(null)).toBeUndefined();
  });
});

describe('webapps settings', () => {
  it('has defaults: 20 sessions, 2 per user, path routes only, 2 min to start, 60 s per answer, 10 MB bodies, WebSockets let go after 10 min of silence', () => {
    expect(readWebapps(undefined)).toEqual({ maxSessions: 20, perUser: 2, domain: null, startTimeoutMs: 120_000, proxyTimeoutMs: 60_000, bodyLimitBytes: 10 * 1024 * 1024, sweepMs: 5000, wsIdleMs: 600_000 });
    expect(readWebapps({ domain: 'Apps.Example.org', per_user: 0 })).toMatchObject({ domain: 'apps.example.org', perUser: 0 });
  });
});
