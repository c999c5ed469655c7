// Each request's logger (Fastify's req.log), made only when the request logs something. Fastify
// makes a pino child per request, with its id bound, and that child showed in the profile of a
// polled GET (pino rebuilds each level's method for every child). At LOG_LEVEL=info Fastify logs
// every request, so the child is made anyway; at warn (a busy server's usual choice) most
// requests log nothing. The child made on first use is the one Fastify would have made.
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { Bindings, ChildLoggerOptions, Logger } from 'pino';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type Args = Parameters<FastifyBaseLogger['info']>;

/** One object per request, its methods on the prototype: cheaper than the child it stands for. */
class LazyChild implements FastifyBaseLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bound: Bindings,
  ) {}

  private real(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bound));
  }

  private write(level: Level, args: Args): void {
    // Below the parent's level nothing is written, by the parent or by a child of it.
    if (this.made || this.parent.isLevelEnabled(level)) this.real()[level](...args);
  }

  get level(): string {
    return (this.made ?? this.parent).level;
  }

  set level(level: string) {
    this.real().level = level;
  }

  fatal(...args: Args): void {
    this.write('fatal', args);
  }

  error(...args: Args): void {
    this.write('error', args);
  }

  warn(...args: Args): void {
    this.write('warn', args);
  }

  info(...args: Args): void {
    this.write('info', args);
  }

  debug(...args: Args): void {
    this.write('debug', args);
  }

  trace(...args: Args): void {
    this.write('trace', args);
  }

  silent(): void {}

  child(bindings: Bindings, opts?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real().child(bindings, opts);
  }

  // The rest of pino's logger that a caller might use on req.log.
  isLevelEnabled(level: string): boolean {
    return this.made ? (this.made as Logger).isLevelEnabled(level) : this.parent.isLevelEnabled(level);
  }

  bindings(): Bindings {
    return (this.real() as Logger).bindings();
  }

  flush(): void {
    this.parent.flush();
  }
}

/** Fastify's childLoggerFactory, for a server whose logger is a pino logger. */
export const lazyRequestLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = (parent, bindings, opts: ChildLoggerOptions) =>
  // A route's own level or serializers: its child is not the parent's levels, so it is made now.
  Object.keys(opts).length > 0 ? parent.child(bindings, opts) : new LazyChild(parent as unknown as Logger, bindings);
