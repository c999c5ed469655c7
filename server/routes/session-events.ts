// GET /api/v1/apps/NAME/sessions/ID/events: a session's log as its container prints it and its
// state changes, as Server-Sent Events (`log`: a JSON string; `state`: the session's answer;
// then `end` once it has ended). For a session that has ended: its state, its log's tail, `end`.
import type { FastifyInstance } from 'fastify';
import type { SessionStatus } from '../../schemas/index.js';
import type { ApiDeps } from './context.js';
import { contentResponse, errors } from './api-schemas.js';
import { callersSession, sessionStatus } from './sessions.js';

const STATE_POLL_MS = 500;
const live = (s: SessionStatus) => s.state === 'starting' || s.state === 'ready';

export async function sessionEventRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { store, sessions, config } = deps;
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());

  app.get<{ Params: { name: string; id: string } }>(
    '/api/v1/apps/:name/sessions/:id/events',
    {
      schema: {
        tags: ['sessions'],
        summary: "One of your sessions' log and state (Server-Sent Events)",
        params: { type: 'object', required: ['name', 'id'], properties: { name: { type: 'string' }, id: { type: 'string' } } },
        response: { 200: contentResponse('state, log and end events', { 'text/event-stream': 'EventStream' }), ...errors(401, 404) },
      },
    },
    async (req, reply) => {
      const s = callersSession(store, req, req.params.name, req.params.id);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      const stop = new AbortController();
      const abort = () => stop.abort();
      res.on('close', abort);
      closing.signal.addEventListener('abort', abort, { once: true });
      const send = (event: string, data: unknown) => void (res.writableEnded || res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
      let last = sessionStatus(store, req, s, config.webapps.domain);
      send('state', last);
      if (!live(last)) {
        if (last.log_tail) send('log', last.log_tail);
      } else {
        // The state is polled from the store, the one place every change lands.
        const poll = setInterval(() => {
          const now = store.sessions.byId(s.id);
          if (!now) return stop.abort();
          const status = sessionStatus(store, req, now, config.webapps.domain);
          if (status.state !== last.state) send('state', status);
          last = status;
          if (!live(status)) stop.abort();
        }, STATE_POLL_MS);
        // Its container may not exist yet while it starts: follow it once it does, once (a second
        // follow would send the log again from its start), then wait for the session's end.
        while (!stop.signal.aborted && !(await sessions.followLog(s.id, (text) => send('log', text), stop.signal))) {
          await new Promise((r) => setTimeout(r, STATE_POLL_MS));
        }
        if (!stop.signal.aborted) await new Promise((r) => stop.signal.addEventListener('abort', r, { once: true }));
        clearInterval(poll);
      }
      send('end', {});
      res.end();
    },
  );
}
