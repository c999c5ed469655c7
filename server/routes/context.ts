import type { FastifyRequest } from 'fastify';
import type {} from '../plugins/auth.js';
import type { Redis } from 'ioredis';
import type Docker from 'dockerode';
import type { Config } from '../../common/config.js';
import type { App, Store, User } from '../store/index.js';
import type { Queues } from '../queues.js';
import type { Datastore } from '../datastore.js';
import type { DownloadKeys } from '../download-keys.js';
import type { ServerEvents } from '../events.js';
import type { ImageExports } from '../image-export/image-exports.js';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../errors.js';
import type { LinkBase } from '../plugins/public-url.js';
import type { SessionService } from '../sessions/session-service.js';

/** What the API routes are given: everything comes in, nothing is imported as a singleton. */
export interface ApiDeps {
  config: Readonly<Config>;
  store: Store;
  queues: Queues;
  datastore: Datastore;
  /** Makes and checks the keys of download links. */
  keys: DownloadKeys;
  redis: Redis;
  docker: Docker;
  events: ServerEvents;
  /** Versions' images as files (docker-archive, oci, squashfs), cached on disk. */
  imageExports: ImageExports;
  /** Webapp sessions: started, stopped and swept by the server. */
  sessions: SessionService;
  /** The server's secret: session share links' keys are derived from it (sessions/session-access.ts). */
  secret: string;
}

/** req.user is set by the auth plugin (plugins/auth.ts). */
export function requireUser(req: FastifyRequest): User {
  if (!req.user) throw new UnauthorizedError();
  return req.user;
}

export function requireAdmin(req: FastifyRequest, what: string): User {
  const me = requireUser(req);
  if (!me.isAdmin) throw new ForbiddenError(`only admins can ${what}`);
  return me;
}

export const userNameParams = { type: 'object', required: ['name'], properties: { name: { type: 'string', description: 'The user name.' } } };

/** The user a path names, for an admin's route. */
export function namedUser(store: Store, name: string): User {
  const user = store.users.byName(name);
  if (!user) throw new NotFoundError(`no user "${name}"`);
  return user;
}

export const jobUrl = (base: LinkBase, id: number): string => `${base.publicUrl}/api/v1/jobs/${id}`;
