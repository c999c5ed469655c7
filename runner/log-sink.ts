// Where a job's output goes: allgo.log (stdout and stderr as they came) and the live stream,
// up to a size limit past which the log is cut with a visible marker and the job goes on.
import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Writable } from 'node:stream';
import type { LogWriter } from '../common/log-stream.js';

const marker = (limit: number) => `\n[allgo] log truncated at ${Math.round(limit / 1024 / 1024)} MB: the job went on, its further output is not kept\n`;

export class LogSink extends Writable {
  private written = 0;
  private truncated = false;

  private constructor(
    private readonly file: WriteStream,
    private readonly live: LogWriter,
    private readonly limit: number,
    /** Output already in the file from an earlier attach: skipped when replayed. */
    private skip: number,
  ) {
    super();
  }

  /** A fresh log, or, when re-attaching, one that continues the existing file. */
  static async open(path: string, live: LogWriter, limit: number, resume: boolean): Promise<LogSink> {
    if (!resume) return new LogSink(createWriteStream(path, { flags: 'w' }), live, limit, 0);
    const size = (await stat(path).catch(() => null))?.size ?? 0;
    const cut = size > 0 && (await readFile(path, 'utf8').catch(() => '')).includes('[allgo] log truncated at');
    const sink = new LogSink(createWriteStream(path, { flags: 'a' }), live, limit, cut ? Number.POSITIVE_INFINITY : size);
    sink.written = size;
    sink.truncated = cut;
    return sink;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    let data = chunk;
    if (this.skip > 0) {
      const n = Math.min(this.skip, data.length);
      this.skip -= n;
      data = data.subarray(n);
    }
    if (data.length === 0 || this.truncated) return done();
    const room = this.limit - this.written;
    if (data.length > room) {
      this.truncated = true;
      data = Buffer.concat([data.subarray(0, Math.max(room, 0)), Buffer.from(marker(this.limit))]);
    }
    this.written += data.length;
    this.live.write(data.toString('utf8'));
    this.file.write(data, done);
  }

  /** A line from allgo itself (why the job ended), kept even past the limit. */
  note(text: string): Promise<void> {
    this.live.write(text);
    return new Promise((resolve) => this.file.write(text, () => resolve()));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.file.end(() => resolve()));
  }
}
