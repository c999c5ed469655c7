// The embedded Redis: a redis-server child bound to loopback, data and append-only file
// under <data dir>/redis, restarted if it dies. Other roles on this host find it through
// <data dir>/redis/url.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Redis } from 'ioredis';
import { freePort, isFree } from '../common/net.js';
import { waitAtMost } from '../common/close.js';

const MAX_RESTARTS_PER_MINUTE = 5;

export class RedisSupervisor {
  private child: ChildProcess | null = null;
  private stopping = false;
  private restarts: number[] = [];
  port = 0;

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const saved = Number(await readFile(join(this.dir, 'port'), 'utf8').catch(() => '0'));
    this.port = saved && (await isFree(saved)) ? saved : await freePort();
    await writeFile(join(this.dir, 'port'), String(this.port));
    await this.spawn();
    await writeFile(join(this.dir, 'url'), this.url);
    return this.url;
  }

  private async spawn(): Promise<void> {
    const args = ['--bind', '127.0.0.1', '--port', String(this.port), '--dir', this.dir, '--appendonly', 'yes', '--save', '', '--protected-mode', 'yes', '--daemonize', 'no', '--loglevel', 'warning'];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let output = '';
    const keep = (c: Buffer) => (output = (output + c.toString()).slice(-4000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('exit', (code, signal) => {
      if (this.stopping || this.child !== child) return;
      this.log.error({ code, signal, output }, 'redis-server exited');
      const now = Date.now();
      this.restarts = this.restarts.filter((t) => now - t < 60_000);
      if (this.restarts.length >= MAX_RESTARTS_PER_MINUTE) {
        this.log.fatal('redis-server keeps dying; giving up');
        return;
      }
      this.restarts.push(now);
      setTimeout(() => this.spawn().catch((err) => this.log.error({ err }, 'redis restart failed')), 500);
    });
    await new Promise<void>((resolve, reject) => {
      child.once('error', (err) => reject(new Error(`cannot run redis-server (${err.message}): install it (apt-get install redis-server) or set REDIS_URL`)));
      waitForPing(this.url, 10_000).then(resolve, (err) => reject(new Error(`redis-server did not answer: ${err.message}\n${output}`)));
    });
    this.log.info({ url: this.url }, 'redis started');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await waitAtMost(exited, 5000);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

async function waitForPing(url: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  let last: Error | null = null;
  while (Date.now() < deadline) {
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => undefined);
    try {
      await r.connect();
      await r.ping();
      return;
    } catch (err) {
      last = err as Error;
    } finally {
      r.disconnect();
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  throw last ?? new Error('timeout');
}
