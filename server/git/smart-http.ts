// Git's smart HTTP protocol at /git/<app>.git, on the API's port. Authentication is HTTP
// basic with the API token as password. git itself (receive-pack, upload-pack) does the
// protocol; allgo decides who may push and, through the pre-receive hook, what is published.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../common/config.js';
import type { Store, User } from '../store/index.js';
import { authenticate, mayCreateApps, mayManage, maySee } from '../auth.js';
import { APP_NAME_RULE, isValidAppName } from '../../common/names.js';
import type { Repos } from './repos.js';
import type { PushContext } from './pre-receive.js';

type Service = 'git-receive-pack' | 'git-upload-pack';

export interface SmartHttpDeps {
  config: Readonly<Config>;
  store: Store;
  repos: Repos;
  /** Pushes in progress, by id: the hook relay names its push with it. */
  pushes: Map<string, PushContext>;
  hookUrl(): string;
  hookSecret: string;
}

const pktLine = (s: string): string => (s.length + 4).toString(16).padStart(4, '0') + s;

/** Plain-text refusals: git prints their body to the user as `remote:` lines. */
function refuse(reply: FastifyReply, status: number, message: string): FastifyReply {
  if (status === 401) reply.header('www-authenticate', 'Basic realm="allgo", charset="UTF-8"');
  return reply.code(status).type('text/plain; charset=utf-8').send(`allgo: ${message}\n`);
}

export async function smartHttp(app: FastifyInstance, deps: SmartHttpDeps): Promise<void> {
  const { store, repos, config } = deps;
  app.addContentTypeParser(['application/x-git-receive-pack-request', 'application/x-git-upload-pack-request'], (_req, payload, done) => done(null, payload));

  /** Who may do what on /git/<app>.git: null means the request was answered with a refusal. */
  async function admit(req: FastifyRequest, reply: FastifyReply, repoParam: string, service: Service): Promise<{ user: User; app: string } | null> {
    const name = repoParam.replace(/\.git$/, '');
    if (!isValidAppName(name)) {
      refuse(reply, 404, `"${name}" is not a valid app name: ${APP_NAME_RULE}`);
      return null;
    }
    const user = authenticate(store.users, req.headers.authorization);
    if (!user) {
      refuse(reply, 401, 'authentication required: use your user name and your allgo API token as the password');
      return null;
    }
    const existing = store.apps.byName(name);
    if (service === 'git-upload-pack') {
      // An app's source is its owner's: a public app shares its service, not its code.
      if (!existing || !repos.exists(name) || !mayManage(user, existing)) {
        refuse(reply, 404, `no repository for app "${name}" that you own`);
        return null;
      }
      return { user, app: name };
    }
    if (existing && !maySee(user, existing)) {
      // A private app is invisible to others, here too.
      refuse(reply, 404, `no app "${name}" you can push to`);
      return null;
    }
    if (existing && !mayManage(user, existing)) {
      refuse(reply, 403, `app "${name}" belongs to ${existing.ownerName}: only its owner can push to it`);
      return null;
    }
    if (!existing && !mayCreateApps(user, config)) {
      const domains = config.providerDomains.length ? ` or an email address in ${config.providerDomains.join(', ')}` : '';
      refuse(reply, 403, `user ${user.name} may not create apps: ask an admin for provider rights${domains}`);
      return null;
    }
    await repos.ensure(name);
    return { user, app: name };
  }

  app.get<{ Params: { repo: string }; Querystring: { service?: string } }>('/git/:repo/info/refs', async (req, reply) => {
    const service = req.query.service;
    if (service !== 'git-receive-pack' && service !== 'git-upload-pack') {
      return refuse(reply, 400, 'only smart HTTP is served: use git 1.6.6 or newer');
    }
    const who = await admit(req, reply, req.params.repo, service);
    if (!who) return reply;
    const child = spawn('git', [service.slice(4), '--stateless-rpc', '--advertise-refs', repos.path(who.app)], {
      env: { ...process.env, ...protocolEnv(req) },
    });
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': `application/x-${service}-advertisement`, 'cache-control': 'no-cache' });
    res.write(pktLine(`# service=${service}\n`) + '0000');
    child.stdout.pipe(res);
    child.on('error', () => res.destroy());
  });

  for (const service of ['git-receive-pack', 'git-upload-pack'] as const) {
    app.post<{ Params: { repo: string } }>(`/git/:repo/${service}`, async (req, reply) => {
      const who = await admit(req, reply, req.params.repo, service);
      if (!who) return reply;
      const env: Record<string, string> = { ...protocolEnv(req) };
      let pushId: string | null = null;
      if (service === 'git-receive-pack') {
        pushId = randomUUID();
        deps.pushes.set(pushId, { user: who.user, app: who.app, publicUrl: req.publicUrl });
        Object.assign(env, { ALLGO_PUSH_ID: pushId, ALLGO_HOOK_URL: deps.hookUrl(), ALLGO_HOOK_SECRET: deps.hookSecret });
      }
      const child = spawn('git', [service.slice(4), '--stateless-rpc', repos.path(who.app)], { env: { ...process.env, ...env } });
      let body = req.body as Readable;
      if (req.headers['content-encoding'] === 'gzip') body = body.pipe(createGunzip());
      body.pipe(child.stdin);
      body.on('error', () => child.stdin.destroy());
      child.stdin.on('error', () => undefined);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': `application/x-${service}-result`, 'cache-control': 'no-cache' });
      // If the pusher goes away, git keeps running (the build finishes and main moves on
      // success); its output is drained so it never blocks on a full pipe.
      child.stdout.on('data', (c: Buffer) => {
        if (!res.destroyed) res.write(c);
      });
      child.on('close', () => {
        if (pushId) deps.pushes.delete(pushId);
        if (!res.destroyed) res.end();
      });
      child.on('error', () => res.destroy());
    });
  }
}

function protocolEnv(req: FastifyRequest): Record<string, string> {
  const p = req.headers['git-protocol'];
  return typeof p === 'string' && /^[a-z0-9=:.]+$/i.test(p) ? { GIT_PROTOCOL: p } : {};
}
