// Who may fetch a job's files and provenance: its owner or an admin with a token, or anyone
// with the job's key (in its download links), as for each download link.
import type { FastifyRequest } from 'fastify';
import { GoneError, notFound } from '../errors.js';
import { maySeeJob } from '../auth.js';
import type { Job, Store, User } from '../store/index.js';
import type { ApiDeps } from './context.js';

export const keyQuery = { type: 'object', properties: { key: { type: 'string', description: 'The job\'s key (in its zip_url and download links): no token needed' } } } as const;

export function jobByKeyOrToken(deps: Pick<ApiDeps, 'store' | 'keys'>, req: FastifyRequest<{ Params: { id: string }; Querystring: { key?: string } }>): Job {
  const { id } = req.params;
  const job = /^\d+$/.test(id) ? deps.store.jobs.byId(Number(id)) : null;
  const user = req.user;
  const allowed = !!job && job.state !== 'deleted' && ((req.query.key !== undefined && deps.keys.matches(job, req.query.key)) || (!!user && (user.isAdmin || user.id === job.userId)));
  if (!job || !allowed) throw notFound.job(id);
  return job;
}

/** Job `id` if `user` may see it (its owner, or an admin); else, as for a job that does not exist, 404. */
export function visibleJob(store: Pick<Store, 'jobs'>, id: string, user: User): Job {
  const job = /^\d+$/.test(id) ? store.jobs.byId(Number(id)) : null;
  if (!job || !maySeeJob(user, job)) throw notFound.job(id);
  return job;
}

/** A job whose files retention removed: its record (and provenance) stays, its files do not. */
export function requireFiles(job: Job): void {
  if (job.state === 'archived') throw new GoneError(`the files of job ${job.id} have expired`);
}
