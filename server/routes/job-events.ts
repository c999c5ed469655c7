// GET /api/v1/jobs/N/events: Server-Sent Events with the job's state changes and its log
// as it is printed. Log events carry the Redis stream id as SSE id, so a client that
// reconnects with Last-Event-ID resumes where it stopped, on any server.
import type { FastifyInstance } from 'fastify';
import { followLog } from '../../common/log-stream.js';
import { runLogKey } from '../../common/queues.js';
import { LOG_FILE } from '../../common/files.js';
import { isFinishedJob } from '../../common/states.js';
import { notFound } from '../errors.js';
import { maySeeJob } from '../auth.js';
import type { Job } from '../store/index.js';
import { type ApiDeps, requireUser } from './context.js';
import { contentResponse, errors, jobIdParams } from './api-schemas.js';

const KEEPALIVE_MS = 15_000;
/** What an SSE replay of a finished job's log file sends at most (the log endpoint has it all). */
const SSE_FILE_MAX = 16 * 1024 * 1024;
const STREAM_ID = /^\d+-\d+$/;
/** How long a job's live log is followed after the job is done, for its end mark. */
const LIVE_TAIL_MS = 3000;

export async function jobEventRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { store, redis, events, config, datastore } = deps;
  // Open streams end before the server closes, and so before its Redis connection does: a
  // follower left polling would read from a closed connection, and hold the close until
  // its job ended.
  const closing = new AbortController();
  const open = new Set<Promise<void>>();
  app.addHook('preClose', async () => {
    closing.abort();
    await Promise.allSettled(open);
  });

  app.get<{ Params: { id: string }; Querystring: { last_event_id?: string } }>(
    '/api/v1/jobs/:id/events',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Live state, progress and log (Server-Sent Events), resumable with Last-Event-ID',
        params: jobIdParams,
        querystring: { type: 'object', properties: { last_event_id: { type: 'string', description: 'Same as the Last-Event-ID header' } } },
        response: { 200: contentResponse('state, log and end events', { 'text/event-stream': 'EventStream' }), ...errors(401, 404) },
      },
    },
    async (req, reply) => {
    const user = requireUser(req);
    const id = Number(req.params.id);
    const first = Number.isInteger(id) ? store.jobs.byId(id) : null;
    if (!first || !maySeeJob(user, first)) throw notFound.job(req.params.id);

    const resumeFrom = String(req.headers['last-event-id'] ?? req.query.last_event_id ?? '');
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    // Aborted when the client leaves or the server closes: either way nobody reads any more.
    const stop = new AbortController();
    const abort = () => stop.abort();
    const gone = stop.signal;
    res.on('close', abort);
    closing.signal.addEventListener('abort', abort, { once: true });
    const send = (event: string, data: unknown, eventId?: string) => {
      if (gone.aborted) return;
      res.write(`${eventId ? `id: ${eventId}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const state = (j: Job) => ({ status: j.state, result: j.result, exit_code: j.exitCode, message: j.message, started_at: j.startedAt, finished_at: j.finishedAt });

    let last = first;
    send('state', state(last));
    let progress = store.progress.get(id);
    if (progress) send('progress', progress);
    const onJob = (changed: number) => {
      if (changed !== id) return;
      const now = store.jobs.byId(id);
      if (now && (now.state !== last.state || now.result !== last.result)) send('state', state(now));
      if (now) last = now;
      const p = store.progress.get(id);
      if (p && p.at !== progress?.at) send('progress', (progress = p));
    };
    events.on('job', onJob);
    const keepalive = setInterval(() => !gone.aborted && res.write(': keepalive\n\n'), KEEPALIVE_MS);
    const streaming = (async () => {
      const key = runLogKey(config.redisPrefix, id);
      const fromRedis = (await redis.exists(key)) === 1;
      const ended = () => isFinishedJob(store.jobs.byId(id)?.state ?? 'deleted');
      // A runner ends the live copy just after the job is committed: a job seen done is followed
      // a moment longer, for its last lines and end mark, before the file stands in for them.
      let doneSince: number | null = null;
      const settled = () => {
        if (!ended()) return false;
        doneSince ??= Date.now();
        return Date.now() - doneSince > LIVE_TAIL_MS;
      };
      let sent = 0;
      if (fromRedis || !isFinishedJob(last.state)) {
        const followed = await followLog(redis, key, STREAM_ID.test(resumeFrom) ? resumeFrom : '0', (c) => {
          sent += c.data.length;
          send('log', c.data, c.id);
        }, settled, gone);
        if (!followed.ended && sent === 0 && !resumeFrom && ended()) {
          const text = await datastore.readText(id, LOG_FILE, SSE_FILE_MAX);
          if (text) send('log', text, 'file');
        }
      } else if (!resumeFrom) {
        // The live copy has expired: the log file is the record.
        const text = await datastore.readText(id, LOG_FILE, SSE_FILE_MAX);
        if (text) send('log', text, 'file');
      }
      // The outcome is recorded after the log ends: wait for it (bounded) so the last event is final.
      for (let i = 0; i < 50 && !gone.aborted && !ended(); i++) await events.next('job', id, 200);
      if (gone.aborted) return;
      const end = store.jobs.byId(id);
      if (end) send('state', state(end));
      send('end', {});
    })()
      .catch((err) => {
        // Once the reply is hijacked an error can only end the stream: the client reconnects.
        if (!gone.aborted) req.log.warn({ err, jobId: id }, 'job event stream failed');
      })
      .finally(() => {
        clearInterval(keepalive);
        events.off('job', onJob);
        closing.signal.removeEventListener('abort', abort);
        res.end();
        open.delete(streaming);
      });
    open.add(streaming);
    await streaming;
  },
  );
}
