// Server-Sent Events, parsed as the WHATWG spec says (lines ending in CRLF, LF or CR; `:`
// comments; one optional space after the colon; multi-line data; an id that persists across
// events; `retry`), from the body of a fetch. EventSource itself cannot send an
// Authorization header, which the API needs.

export interface SseEvent {
  /** The event type: `message` unless the server named one. */
  event: string;
  data: string;
  /** The last event id seen so far, which is what a reconnection sends as Last-Event-ID. */
  id: string;
}

export class SseParser {
  lastEventId = '';
  /** The reconnection delay the server asked for, in ms, if it did. */
  retry: number | null = null;
  private buffer = '';
  private data: string[] = [];
  private type = '';
  private started = false;

  /** Feeds decoded text; returns the events it completed. */
  push(text: string): SseEvent[] {
    if (!this.started && text) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.buffer += text;
    const events: SseEvent[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer[i];
      if (c !== '\n' && c !== '\r') continue;
      // A CR at the very end may be the first half of a CRLF split across chunks: wait for more.
      if (c === '\r' && i === this.buffer.length - 1) break;
      const line = this.buffer.slice(start, i);
      if (c === '\r' && this.buffer[i + 1] === '\n') i++;
      start = i + 1;
      const e = this.line(line);
      if (e) events.push(e);
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  /** The end of the stream: a last CR ends its line; an event with no blank line after it is dropped. */
  end(): SseEvent[] {
    const e = this.buffer.endsWith('\r') ? this.line(this.buffer.slice(0, -1)) : null;
    this.buffer = '';
    this.data = [];
    this.type = '';
    return e ? [e] : [];
  }

  private line(line: string): SseEvent | null {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.type = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retry = Number(value);
    return null;
  }

  private dispatch(): SseEvent | null {
    const data = this.data;
    const type = this.type;
    this.data = [];
    this.type = '';
    if (data.length === 0) return null;
    return { event: type || 'message', data: data.join('\n'), id: this.lastEventId };
  }
}

/** The events of an SSE response body, as they arrive. An unfinished last event is dropped. */
export async function* readSse(body: ReadableStream<Uint8Array>, parser = new SseParser()): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder('utf-8');
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    yield* parser.push(decoder.decode());
    yield* parser.end();
  } finally {
    // Stops the download when the consumer leaves early.
    await reader.cancel().catch(() => undefined);
  }
}
