// Server-Sent Events over fetch(): EventSource cannot send an Authorization header, and the
// token must not go in the URL. Parses the text/event-stream format (event, data, id lines,
// blank line ends an event) and resumes with Last-Event-ID after a dropped connection.

export interface SseEvent {
  event: string;
  data: string;
  id: string | null;
}

/** Splits a stream's text into events; keeps the unfinished tail for the next chunk. */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private id: string | null = null;

  push(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const out: SseEvent[] = [];
    let nl: number;
    while ((nl = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + (this.buffer.startsWith('\r\n', nl) ? 2 : 1));
      if (line === '') {
        if (this.data.length) out.push({ event: this.event || 'message', data: this.data.join('\n'), id: this.id });
        this.event = '';
        this.data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') this.event = value;
      else if (field === 'data') this.data.push(value);
      else if (field === 'id') this.id = value;
    }
    return out;
  }
}

export interface StreamOptions {
  headers: Record<string, string>;
  signal: AbortSignal;
  onEvent(e: SseEvent): void;
  /** Attempts after a dropped connection before giving up. */
  retries?: number;
}

/** Reads `url` until the server sends `end` (resolves) or the signal aborts. */
export async function streamEvents(url: string, opts: StreamOptions): Promise<void> {
  let lastId: string | null = null;
  let failures = 0;
  for (;;) {
    const headers: Record<string, string> = { ...opts.headers, accept: 'text/event-stream' };
    if (lastId) headers['last-event-id'] = lastId;
    let ended = false;
    try {
      const res = await fetch(url, { headers, signal: opts.signal, cache: 'no-store' });
      if (!res.ok || !res.body) throw new Error(`the event stream answered ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      const parser = new SseParser();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const e of parser.push(value)) {
          if (e.id && e.id !== 'file') lastId = e.id;
          if (e.event === 'end') ended = true;
          opts.onEvent(e);
        }
        failures = 0;
      }
    } catch (err) {
      if (opts.signal.aborted) return;
      if (++failures > (opts.retries ?? 5)) throw err;
    }
    if (ended || opts.signal.aborted) return;
    await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** failures, 10_000)));
  }
}
