// Following a job: a dropped event stream resumes from Last-Event-ID without losing or
// repeating log text, and a server without an event stream is polled instead. A small local
// HTTP server plays the API.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { AllgoClient, ApiError, followJob } from '../../client/index.js';

let server: Server | null = null;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function api(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<AllgoClient> {
  server = createServer(handler);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return new AllgoClient({ url: `http://127.0.0.1:${port}`, token: 't', env: {}, home: '/nonexistent' });
}

const job = (state: string, result: string | null = null) => ({ id: 1, state, status: state, result, exit_code: result ? 0 : null, message: null, files: [] });
const sse = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/event-stream' });

describe('AllgoClient.events', () => {
  it('resumes a dropped stream from the last event id, sending the token each time', async () => {
    const asked: { lastId: string | undefined; auth: string | undefined }[] = [];
    const client = await api((req, res) => {
      asked.push({ lastId: req.headers['last-event-id'] as string | undefined, auth: req.headers.authorization });
      sse(res);
      if (asked.length === 1) {
        // The connection drops mid-job, once these events are out.
        res.write('event: state\ndata: {"status":"running"}\n\nid: 1-0\nevent: log\ndata: "one\\n"\n\n', () => setTimeout(() => res.destroy(), 50));
      } else {
        res.end('id: 2-0\nevent: log\ndata: "two\\n"\n\nevent: end\ndata: {}\n\n');
      }
    });
    const events = [];
    for await (const e of client.events(1)) events.push(e);
    expect(events.map((e) => e.type)).toEqual(['state', 'log', 'log', 'end']);
    expect(events.filter((e) => e.type === 'log').map((e) => (e as { text: string }).text).join('')).toBe('one\ntwo\n');
    expect(asked).toEqual([
      { lastId: undefined, auth: 'Token token=t' },
      { lastId: '1-0', auth: 'Token token=t' },
    ]);
  });

  it('gives up after some reconnections without an event, as stream_lost', async () => {
    let calls = 0;
    const client = await api((_req, res) => {
      calls++;
      sse(res);
      res.write('retry: 10\n\n', () => setTimeout(() => res.destroy(), 20));
    });
    const read = async () => {
      for await (const _ of client.events(1, { reconnects: 2 })) void _;
    };
    await expect(read()).rejects.toMatchObject({ code: 'stream_lost' });
    expect(calls).toBe(3);
  });

  it('does not retry a refusal', async () => {
    const client = await api((_req, res) => res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no job 1","code":"not_found"}'));
    const read = async () => {
      for await (const _ of client.events(1)) void _;
    };
    await expect(read()).rejects.toEqual(new ApiError(404, 'not_found', 'no job 1'));
  });
});

describe('followJob', () => {
  it('polls the job and its log when there is no event stream, printing each piece of log once', async () => {
    const logs = ['', 'a\n', 'a\nb\n', 'a\nb\nc\n'];
    let polls = 0;
    const client = await api((req, res) => {
      const json = (v: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(v));
      if (req.url === '/api/v1/jobs/1/events') return res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no route","code":"not_found"}');
      if (req.url === '/api/v1/jobs/1') {
        polls++;
        return json(polls < 4 ? job('running') : job('done', 'success'));
      }
      if (req.url === '/api/v1/jobs/1/log') return res.end(logs[Math.min(polls, 3)]);
      res.writeHead(500).end();
    });
    let printed = '';
    const states: string[] = [];
    const done = await followJob(client, 1, { onLog: (t) => (printed += t), onState: (s) => states.push(`${s.status}/${s.result}`), pollMs: 10 });
    expect(done).toMatchObject({ state: 'done', result: 'success' });
    expect(printed).toBe('a\nb\nc\n');
    expect(states).toEqual(['running/null', 'done/success']);
  });

  it('stops at once on a refused token', async () => {
    const client = await api((_req, res) => res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid token","code":"unauthorized"}'));
    await expect(followJob(client, 1)).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
  });
});
