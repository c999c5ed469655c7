// Live logs travel through Redis streams: a worker appends chunks, any server tails them
// (XREAD BLOCK) from any point, so a client can resume with the last id it saw and the
// workers may run on other hosts than the server.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';

const FLUSH_MS = 100;
const FLUSH_BYTES = 16 * 1024;
/** Logs stay readable from Redis this long after they end; the durable copy is elsewhere. */
const KEEP_SECONDS = 7 * 24 * 3600;
const MAX_ENTRIES = 100_000;

export class LogWriter {
  private buffer: string[] = [];
  private size = 0;
  private timer: NodeJS.Timeout | null = null;
  private pending: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly redis: Redis,
    readonly key: string,
  ) {}

  write(text: string): void {
    if (!text) return;
    this.buffer.push(text);
    this.size += text.length;
    if (this.size >= FLUSH_BYTES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.buffer.length === 0) return;
    const data = this.buffer.join('');
    this.buffer = [];
    this.size = 0;
    // Chained so chunks land in order; a Redis hiccup loses live display only, never the job.
    this.pending = this.pending
      .then(() => this.redis.xadd(this.key, 'MAXLEN', '~', String(MAX_ENTRIES), '*', 'd', data))
      .catch(() => undefined);
  }

  /** Flushes and marks the end, so readers stop waiting. */
  async end(): Promise<void> {
    this.flush();
    this.pending = this.pending
      .then(() => this.redis.multi().xadd(this.key, '*', 'end', '1').expire(this.key, KEEP_SECONDS).exec())
      .catch(() => undefined);
    await this.pending;
  }
}

export interface LogChunk {
  id: string;
  data: string;
}

interface LogRead {
  chunks: LogChunk[];
  ended: boolean;
  lastId: string;
}

/** Chunks after `afterId` ('0' for all). Never blocks: the connection is shared. */
async function readLog(redis: Redis, key: string, afterId: string): Promise<LogRead> {
  const res = (await redis.xread('COUNT', 1000, 'STREAMS', key, afterId)) as [string, [string, string[]][]][] | null;
  const chunks: LogChunk[] = [];
  let ended = false;
  let lastId = afterId;
  for (const [id, fields] of res?.[0]?.[1] ?? []) {
    lastId = id;
    for (let i = 0; i < fields.length; i += 2) {
      if (fields[i] === 'd') chunks.push({ id, data: fields[i + 1] });
      if (fields[i] === 'end') ended = true;
    }
  }
  return { chunks, ended, lastId };
}

const POLL_MS = 200;

/**
 * Delivers a log's chunks as they arrive, from after `afterId`, until its end marker, or
 * until `stop()` says the writer is gone (then what is there is delivered once more).
 * Polls rather than blocks, so one Redis connection serves every follower. When `signal`
 * aborts, the reader is gone (its client left, or the process is closing): it returns at
 * once and reads nothing more, so it never touches a connection being closed.
 */
export async function followLog(
  redis: Redis,
  key: string,
  afterId: string,
  onChunk: (c: LogChunk) => void,
  stop: () => boolean,
  signal?: AbortSignal,
): Promise<{ lastId: string; ended: boolean }> {
  let after = afterId;
  while (!signal?.aborted) {
    const stopping = stop();
    const read = await readLog(redis, key, after);
    if (signal?.aborted) break;
    read.chunks.forEach(onChunk);
    after = read.lastId;
    if (read.ended) return { lastId: after, ended: true };
    if (stopping) return { lastId: after, ended: false };
    // An abort ends the pause at once (it rejects; the loop then sees the signal).
    if (read.chunks.length === 0) await sleep(POLL_MS, undefined, { signal }).catch(() => undefined);
  }
  return { lastId: after, ended: false };
}

/** The whole log as one string (for keeping a finished build's log in the store). */
export async function readWholeLog(redis: Redis, key: string, maxBytes: number): Promise<string> {
  const entries = (await redis.xrange(key, '-', '+')) as [string, string[]][];
  let out = '';
  for (const [, fields] of entries) {
    for (let i = 0; i < fields.length; i += 2) if (fields[i] === 'd') out += fields[i + 1];
  }
  return out.length > maxBytes ? out.slice(0, maxBytes) + `\n[allgo] log truncated at ${maxBytes} bytes\n` : out;
}
