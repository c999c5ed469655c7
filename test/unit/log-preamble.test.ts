// allgo's own lines before a job's output (the image pull) are not output: a runner that
// re-attaches replays the container's log from its start and skips only the output already
// in allgo.log. Counting the pull line as output would lose as many bytes of the job's output.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { LogSink } from '../../runner/log-sink.js';
import type { LogWriter } from '../../common/log-stream.js';

const live = { write: () => undefined } as unknown as LogWriter;
const write = (sink: LogSink, text: string) => new Promise<void>((r) => sink.write(Buffer.from(text), () => r()));

describe('log preamble', () => {
  it('a re-attach after a pull line continues the output without a gap or a repeat', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'allgo-unit-preamble-'));
    try {
      const file = join(dir, 'allgo.log');
      const first = await LogSink.open(file, live, 1024 * 1024, false);
      const preamble = await first.note('[allgo] pulling image r:5000/allgo/x@sha256:… (12 MB)\n');
      await write(first, 'line 1\n');
      await first.finish();
      // The engine replays everything the container printed, from its start.
      const second = await LogSink.open(file, live, 1024 * 1024, true, undefined, preamble);
      await write(second, 'line 1\nline 2\n');
      await second.finish();
      expect(await readFile(file, 'utf8')).toBe('[allgo] pulling image r:5000/allgo/x@sha256:… (12 MB)\nline 1\nline 2\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
