// Server-Sent Events as the spec parses them, in whatever pieces the network delivers.
import { describe, expect, it } from 'vitest';
import { readSse, SseParser, type SseEvent } from '../../client/index.js';

const parseAll = (...chunks: string[]): SseEvent[] => {
  const p = new SseParser();
  return [...chunks.flatMap((c) => p.push(c)), ...p.end()];
};

describe('SseParser', () => {
  it('reads event, data and id fields, one event per blank line', () => {
    expect(parseAll('id: 1-0\nevent: log\ndata: "tick 1\\n"\n\nevent: end\ndata: {}\n\n')).toEqual([
      { event: 'log', data: '"tick 1\\n"', id: '1-0' },
      { event: 'end', data: '{}', id: '1-0' },
    ]);
  });

  it('joins multi-line data with newlines and defaults the type to message', () => {
    expect(parseAll('data: a\ndata:b\ndata\n\n')).toEqual([{ event: 'message', data: 'a\nb\n', id: '' }]);
  });

  it('ignores comments (the keepalives) and unknown fields', () => {
    expect(parseAll(': keepalive\n\nfoo: bar\ndata: x\n\n')).toEqual([{ event: 'message', data: 'x', id: '' }]);
  });

  it('accepts CRLF and lone CR line ends, even a CRLF split between two chunks', () => {
    expect(parseAll('data: a\r\n\r\ndata: b\r\rdata: c\r', '\n\r', '\n')).toEqual([
      { event: 'message', data: 'a', id: '' },
      { event: 'message', data: 'b', id: '' },
      { event: 'message', data: 'c', id: '' },
    ]);
  });

  it('does not split one event in two when a CRLF falls across two chunks', () => {
    // The site's own parser (since removed) took the CR and the LF for two line ends: two events.
    expect(parseAll('data: a\r', '\ndata: b\r\n\r\n')).toEqual([{ event: 'message', data: 'a\nb', id: '' }]);
    const text = 'id: 3-0\r\nevent: log\r\ndata: a\r\ndata: b\r\n\r\n';
    for (let cut = 1; cut < text.length; cut++) {
      expect(parseAll(text.slice(0, cut), text.slice(cut)), `cut at ${cut}`).toEqual([{ event: 'log', data: 'a\nb', id: '3-0' }]);
    }
  });

  it('reads a whole stream fed in pieces of any size, keepalives included', () => {
    const stream = 'event: state\ndata: {"status":"running"}\n\n: keepalive\n\nid: 1-0\nevent: log\ndata: "tick 1\\n"\n\nevent: end\ndata: {}\n\n';
    for (const size of [1, 3, 7, stream.length]) {
      const p = new SseParser();
      const events: SseEvent[] = [];
      for (let i = 0; i < stream.length; i += size) events.push(...p.push(stream.slice(i, i + size)));
      expect(events, `pieces of ${size}`).toEqual([
        { event: 'state', data: '{"status":"running"}', id: '' },
        { event: 'log', data: '"tick 1\\n"', id: '1-0' },
        { event: 'end', data: '{}', id: '1-0' },
      ]);
    }
  });

  it('handles fields split anywhere between chunks', () => {
    const text = 'id: 5-1\nevent: state\ndata: {"status":"done"}\n\n';
    for (let cut = 1; cut < text.length; cut++) {
      expect(parseAll(text.slice(0, cut), text.slice(cut)), `cut at ${cut}`).toEqual([{ event: 'state', data: '{"status":"done"}', id: '5-1' }]);
    }
  });

  it('keeps the last id for events that carry none, and an empty id resets it', () => {
    expect(parseAll('id: 7\ndata: a\n\ndata: b\n\nid\ndata: c\n\n').map((e) => e.id)).toEqual(['7', '7', '']);
  });

  it('ignores an id holding NUL, takes a numeric retry, and keeps only one space after the colon', () => {
    const p = new SseParser();
    const events = p.push('id: 1\0x\nretry: 2500\nretry: soon\ndata:  two spaces\n\n');
    expect(events).toEqual([{ event: 'message', data: ' two spaces', id: '' }]);
    expect(p.retry).toBe(2500);
  });

  it('dispatches nothing for an event with no data, and drops an unfinished last event', () => {
    expect(parseAll('event: state\n\ndata: done\n\ndata: cut off')).toEqual([{ event: 'message', data: 'done', id: '' }]);
  });

  it('strips a leading byte order mark', () => {
    expect(parseAll('\ufeffdata: x\n\n')).toEqual([{ event: 'message', data: 'x', id: '' }]);
  });
});

describe('readSse', () => {
  it('decodes UTF-8 split across network chunks', async () => {
    const bytes = new TextEncoder().encode('event: log\ndata: "héllo ✓"\n\n');
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        // Every byte on its own: multi-byte characters arrive in pieces.
        for (const b of bytes) c.enqueue(new Uint8Array([b]));
        c.close();
      },
    });
    const events: SseEvent[] = [];
    for await (const e of readSse(body)) events.push(e);
    expect(events).toEqual([{ event: 'log', data: '"héllo ✓"', id: '' }]);
  });
});
