// Git's smart HTTP protocol at /git/<app>.git, on the API's port. Authentication is HTTP
// basic with the API token as password. git itself (receive-pack, upload-pack) does the
// protocol; allgo decides who may push and, through the pre-receive hook, what is published.
//
// A push to a name without a repository (a new app, an app whose first build failed, or a
// private app of someone else, which must look the same) is received into a staged repository
// (staging.ts) that becomes the app's only if a push is accepted: probing makes nothing on
// disk, and the answers for "does not exist" and "private, not yours" are the same.
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
import { Staging } from './staging.js';
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

interface Admitted {
  user: User;
  app: string;
  /**
   * existing: the app's repository, which the user may use. new: no repository yet (a new app,
   * or one whose first build failed). hidden: another's private app, answered as a new one
   * would be, into a repository of its own that pre-receive refuses.
   */
  kind: 'existing' | 'new' | 'hidden';
}

/** Push options (`git push -o allgo.promote=false`) reach the hook only when receive-pack offers them. */
const RECEIVE_CONFIG = ['-c', 'receive.advertisePushOptions=true'];

const pktLine = (s: string): string => (s.length + 4).toString(16).padStart(4, '0') + s;

/** Plain-text refusals: git prints their body to the user as `remote:` lines. */
function refuse(reply: FastifyReply, status: number, message: string): FastifyReply {
  if (status === 401) reply.header('www-authenticate', 'Basic realm="allgo", charset="UTF-8"');
  return reply.code(status).type('text/plain; charset=utf-8').send(`allgo: ${message}\n`);
}

export async function smartHttp(app: FastifyInstance, deps: SmartHttpDeps): Promise<void> {
  const { store, repos, config } = deps;
  const staging = new Staging(repos, (name) => !!store.apps.byName(name));
  app.addContentTypeParser(['application/x-git-receive-pack-request', 'application/x-git-upload-pack-request'], (_req, payload, done) => done(null, payload));

  /** Who may do what on /git/<app>.git: null means the request was answered with a refusal. */
  function admit(req: FastifyRequest, reply: FastifyReply, repoParam: string, service: Service): Admitted | null {
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
    const found = store.apps.byName(name);
    if (service === 'git-upload-pack') {
      // An app's source is its owner's: a public app shares its service, not its code.
      if (!found || !repos.exists(name) || !mayManage(user, found)) {
        refuse(reply, 404, `no repository for app "${name}" that you own`);
        return null;
      }
      return { user, app: name, kind: 'existing' };
    }
    // A private app of someone else is answered as a free name would be.
    const visible = found && maySee(user, found) ? found : null;
    if (visible && !mayManage(user, visible)) {
      refuse(reply, 403, `app "${name}" belongs to ${visible.ownerName}: only its owner can push to it`);
      return null;
    }
    if (!visible && !mayCreateApps(user, config)) {
      const domains = config.providerDomains.length ? ` or an email address in ${config.providerDomains.join(', ')}` : '';
      refuse(reply, 403, `user ${user.name} may not create apps: ask an admin for provider rights${domains}`);
      return null;
    }
    if (found && !visible) return { user, app: name, kind: 'hidden' };
    return { user, app: name, kind: visible && repos.exists(name) ? 'existing' : 'new' };
  }

  app.get<{ Params: { repo: string }; Querystring: { service?: string } }>('/git/:repo/info/refs', async (req, reply) => {
    const service = req.query.service;
    if (service !== 'git-receive-pack' && service !== 'git-upload-pack') {
      return refuse(reply, 400, 'only smart HTTP is served: use git 1.6.6 or newer');
    }
    const who = admit(req, reply, req.params.repo, service);
    if (!who) return reply;
    // A repository that does not exist (or is not yours to see) advertises as an empty one.
    const dir = who.kind === 'existing' ? repos.path(who.app) : await repos.empty();
    const child = spawn('git', [...RECEIVE_CONFIG, service.slice(4), '--stateless-rpc', '--advertise-refs', dir], {
      env: { ...process.env, ...protocolEnv(req) },
    });
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': `application/x-${service}-advertisement`, 'cache-control': 'no-cache' });
    res.write(pktLine(`# service=${service}\n`) + '0000');
    child.stdout.pipe(res);
    child.on('error', () => res.destroy());
  });

  app.post<{ Params: { repo: string } }>('/git/:repo/git-upload-pack', async (req, reply) => {
    const who = admit(req, reply, req.params.repo, 'git-upload-pack');
    if (!who) return reply;
    serve(req, reply, 'git-upload-pack', repos.path(who.app), {}, () => undefined);
  });

  app.post<{ Params: { repo: string } }>('/git/:repo/git-receive-pack', async (req, reply) => {
    const who = admit(req, reply, req.params.repo, 'git-receive-pack');
    if (!who) return reply;
    const target = who.kind === 'existing' ? { repo: await repos.open(who.app), leave: async () => undefined } : await (who.kind === 'new' ? staging.join(who.app) : staging.alone());
    const pushId = randomUUID();
    deps.pushes.set(pushId, { user: who.user, app: who.app, publicUrl: req.publicUrl, repo: target.repo });
    const env = { ALLGO_PUSH_ID: pushId, ALLGO_HOOK_URL: deps.hookUrl(), ALLGO_HOOK_SECRET: deps.hookSecret };
    serve(req, reply, 'git-receive-pack', target.repo, env, async () => {
      deps.pushes.delete(pushId);
      await target.leave().catch((err) => req.log.error({ err, app: who.app }, 'could not settle a staged repository'));
    });
  });
}

/**
 * Runs git's side of one request, the body piped in and the answer streamed out. `done` runs
 * once git exits, before the answer ends, so a client's next request sees what it left.
 */
function serve(req: FastifyRequest, reply: FastifyReply, service: Service, repo: string, env: Record<string, string>, done: () => unknown): void {
  const child = spawn('git', [...RECEIVE_CONFIG, service.slice(4), '--stateless-rpc', repo], { env: { ...process.env, ...protocolEnv(req), ...env } });
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
  let finished = false;
  const finish = async (failed: boolean) => {
    if (finished) return;
    finished = true;
    await done();
    if (failed) res.destroy();
    else if (!res.destroyed) res.end();
  };
  child.on('close', () => void finish(false));
  child.on('error', () => void finish(true));
}

function protocolEnv(req: FastifyRequest): Record<string, string> {
  const p = req.headers['git-protocol'];
  return typeof p === 'string' && /^[a-z0-9=:.]+$/i.test(p) ? { GIT_PROTOCOL: p } : {};
}
