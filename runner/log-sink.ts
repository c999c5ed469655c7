// Where a job's output goes: allgo.log (stdout and stderr as they came) and the live stream,
// up to a size limit past which the log is cut with a visible marker and the job goes on.
import { constants, type WriteStream } from 'node:fs';
import { open, lstat, rm } from 'node:fs/promises';
import { Writable } from 'node:stream';
import type { LogWriter } from '../common/log-stream.js';

async function openStream(path: string, flags: number): Promise<WriteStream> {
  return (await open(path, flags, 0o644)).createWriteStream();
}

/** Whether this runner still owns the job: 'unsure' while a renewal is overdue. */
export type Fence = () => 'owner' | 'unsure' | 'lost';
const ALWAYS_OWNER: Fence = () => 'owner';

const marker = (limit: number) => `\n[allgo] log truncated at ${Math.round(limit / 1024 / 1024)} MB: the job went on, its further output is not kept\n`;

export class LogSink extends Writable {
  private written = 0;
  private truncated = false;
  private done = false;
  private broken = false;

  private constructor(
    private readonly file: WriteStream,
    private readonly live: LogWriter,
    private readonly limit: number,
    /** Output already in the file from an earlier attach: skipped when replayed. */
    private skip: number,
    private readonly fence: Fence,
  ) {
    super();
    // Output the engine sends after finish() is dropped, not an error.
    this.on('error', () => undefined);
    // A full disk must not take the runner down: the log stops, the job goes on.
    file.on('error', () => (this.broken = true));
  }

  /**
   * A fresh log, or, when re-attaching, one that continues the existing file. `preamble`:
   * bytes of allgo's own lines (note()) that precede the container's output in the file.
   */
  static async open(path: string, live: LogWriter, limit: number, resume: boolean, fence: Fence = ALWAYS_OWNER, preamble = 0): Promise<LogSink> {
    // The job can write its folder: never follow a link it put in the log's place, never
    // block on a FIFO (O_NONBLOCK), and never read its content back, only its size.
    const { O_WRONLY, O_CREAT, O_TRUNC, O_APPEND, O_NOFOLLOW, O_NONBLOCK } = constants;
    // O_APPEND: should two runners ever write at once, neither overwrites the other.
    if (!resume) return new LogSink(await openStream(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NOFOLLOW | O_NONBLOCK), live, limit, 0, fence);
    const existing = await lstat(path).catch(() => null);
    if (existing && !existing.isFile()) await rm(path, { force: true, recursive: true });
    const size = existing?.isFile() ? existing.size : 0;
    // A log at its limit was cut: what follows is not kept.
    const cut = size >= limit;
    const sink = new LogSink(await openStream(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK), live, limit, cut ? Number.POSITIVE_INFINITY : Math.max(size - preamble, 0), fence);
    sink.written = size;
    sink.truncated = cut;
    return sink;
  }

  override _write(chunk: Buffer, enc: BufferEncoding, done: (err?: Error | null) => void): void {
    // A runner frozen past its claim must not write what the runner that took over writes too:
    // hold the chunk until a renewal confirms the claim, drop it once it is known lost.
    const verdict = this.fence();
    if (verdict === 'lost' || this.done || this.broken) return done();
    if (verdict === 'unsure') {
      setTimeout(() => this._write(chunk, enc, done), 50);
      return;
    }
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

  /**
   * allgo's own line before the container's output (e.g. the image pull). Returns its size in
   * bytes: the caller keeps it outside this process, so a re-attach does not count it as output.
   */
  async note(text: string): Promise<number> {
    if (this.done || this.broken || this.fence() !== 'owner') return 0;
    const data = Buffer.from(text);
    this.written += data.length;
    this.live.write(text);
    await new Promise((resolve) => this.file.write(data, resolve));
    return data.length;
  }

  /**
   * Writes what is still queued, then `note` (allgo's own line saying why the job ended,
   * kept even past the limit), then closes the file. Output arriving later is dropped.
   */
  async finish(note?: string): Promise<void> {
    if (this.done) return;
    await new Promise<void>((resolve) => this.end(() => resolve()));
    this.done = true;
    if (note && this.fence() === 'owner' && !this.broken) {
      this.live.write(note);
      await new Promise((resolve) => this.file.write(note, resolve));
    }
    await new Promise<void>((resolve) => {
      this.file.once('error', () => resolve());
      this.file.end(() => resolve());
    });
  }
}
