// Webapp sessions, on this host's Docker engine, started by the server itself: it is the one
// writer of the store and the proxy that must reach the session, so on one machine nothing is
// gained by a worker between them (see the README's "Web apps" for what several hosts need).
//   start: check the caps → record `starting` → network (fenced) + container → wait for the
//   port (and health path) → `ready`, or `failed` with the log's tail and nothing left behind.
//   sweep: a ready session idle past its idle_timeout, or older than its max_age, is stopped.
//   restore (at start): ready sessions whose container still runs are kept, every other live
//   one ends `stopped` ("platform restart"), and any container or network left of it is removed.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { handToJobUser } from '../../common/job-user.js';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import type { Config } from '../../common/config.js';
import type { Store, User, App, Version, Session } from '../store/index.js';
import { webappSettings } from '../../common/webapp-manifest.js';
import { baseArgv } from '../../common/parameters/build-argv.js';
import { runnableImage } from '../store/versions.js';
import { SessionsFullError } from '../errors.js';
import { followSessionLog, refenceSession, removeSessionBox, sessionBoxesOnEngine, sessionLogTail, sessionRunning, startSessionBox } from './session-box.js';
import { waitReady } from './wait-ready.js';

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** 12 DNS-safe characters: the session's name in its URLs, its host name and its bridge's. */
function newSessionId(): string {
  const bytes = randomBytes(12);
  return 's' + [...bytes.subarray(1)].map((b) => ID_CHARS[b % ID_CHARS.length]).join('');
}

export const sessionPath = (id: string): string => `/s/${id}/`;

export interface SessionDeps {
  config: Readonly<Config>;
  store: Store;
  docker: Docker;
  instance: string;
  log: Logger;
}

export class SessionService {
  /** Last request through the proxy, per ready session: written to the store at each sweep. */
  private readonly seen = new Map<string, number>();
  /** WebSockets open through the proxy, per session: while any is, the session is in use. */
  private readonly sockets = new Map<string, number>();
  /** Boots in progress, so a stop (or close) can cut one short. */
  private readonly booting = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> = Promise.resolve();

  constructor(private readonly deps: SessionDeps) {}

  /**
   * Records the session `starting` and boots it in the background; the answer does not wait for
   * ready. `inputs`: a folder of input files, which becomes the session's working folder (/work).
   */
  start(user: User, app: App, version: Version, inputs?: string): Session {
    const { store, config } = this.deps;
    const { perUser, maxSessions } = config.webapps;
    if (store.sessions.countLive(user.id) >= perUser) throw new SessionsFullError('user', perUser);
    if (store.sessions.countLive() >= maxSessions) throw new SessionsFullError('platform', maxSessions);
    const w = webappSettings(version.manifest);
    const session = store.sessions.create({ id: newSessionId(), userId: user.id, appId: app.id, versionId: version.id, idleTimeoutMs: w.idleTimeoutMs, maxAgeMs: w.maxAgeMs });
    const abort = new AbortController();
    const done = this.boot(session, version, abort.signal, inputs).finally(() => this.booting.delete(session.id));
    this.booting.set(session.id, { abort, done });
    return session;
  }

  private async boot(session: Session, version: Version, signal: AbortSignal, inputs?: string): Promise<void> {
    const { config, store, docker, instance, log } = this.deps;
    const w = webappSettings(version.manifest);
    const fail = async (why: string) => {
      const tail = await sessionLogTail(docker, instance, session.id);
      await this.remove(session.id);
      if (store.sessions.end(session.id, 'failed', why, tail)) log.info({ session: session.id, why }, 'session failed');
    };
    try {
      const workdir = inputs ? this.workdirOf(session.id) : undefined;
      if (inputs && workdir) {
        await mkdir(dirname(workdir), { recursive: true, mode: 0o700 });
        await rename(inputs, workdir);
        await handToJobUser(workdir, config.runnerUser);
      }
      const address = await startSessionBox(docker, {
        workdir,
        instance,
        id: session.id,
        image: runnableImage(version),
        argv: baseArgv(version.manifest),
        port: w.port,
        basePath: sessionPath(session.id),
        box: { user: config.runnerUser, pidsLimit: config.pidsLimit, tmpMb: config.tmpMb, maxFiles: config.maxFiles, memoryMb: version.manifest.memory ?? 1024, cpus: version.manifest.cpus, logLimitBytes: config.logLimitBytes },
      });
      store.sessions.setAddress(session.id, address);
      const r = await waitReady(address, w.health, config.webapps.startTimeoutMs, () => sessionRunning(docker, instance, session.id), signal);
      if (signal.aborted) return;
      if (!r.ready) return await fail(r.why);
      if (store.sessions.markReady(session.id)) {
        this.seen.set(session.id, Date.now());
        log.info({ session: session.id, address }, 'session ready');
      } else await this.remove(session.id);
    } catch (err) {
      if (!signal.aborted) await fail(`could not start: ${(err as Error).message}`);
    }
  }

  /** Where the proxy forwards a ready session's requests; null: not ready (or not there). */
  upstream(id: string): string | null {
    const s = this.deps.store.sessions.byId(id);
    return s?.state === 'ready' && s.address ? `http://${s.address}` : null;
  }

  /** The session's log as it is printed, until its container stops or `signal`; false: it has no container (yet, or any more). */
  async followLog(id: string, onText: (text: string) => void, signal: AbortSignal): Promise<boolean> {
    return followSessionLog(this.deps.docker, this.deps.instance, id, onText, signal).then(
      () => true,
      () => false,
    );
  }

  /** A request went through the proxy: the idle clock starts again. */
  touch(id: string): void {
    if (this.seen.has(id)) this.seen.set(id, Date.now());
  }

  /** A WebSocket through the proxy: the session is in use for as long as it stays open. */
  holdOpen(id: string, socket: { once(event: 'close', f: () => void): unknown }): void {
    this.sockets.set(id, (this.sockets.get(id) ?? 0) + 1);
    socket.once('close', () => {
      const n = (this.sockets.get(id) ?? 1) - 1;
      if (n > 0) this.sockets.set(id, n);
      else this.sockets.delete(id);
      this.touch(id);
    });
  }

  /** Ends a live session (false: it had ended already) and removes its box. */
  async stop(id: string, reason: string): Promise<boolean> {
    const { store, docker, instance, log } = this.deps;
    const ended = store.sessions.end(id, 'stopped', reason);
    this.seen.delete(id);
    const boot = this.booting.get(id);
    if (boot) {
      boot.abort.abort();
      await boot.done;
    }
    await this.remove(id);
    if (ended) log.info({ session: id, reason }, 'session stopped');
    return ended;
  }

  /** Stops the sessions past their idle timeout or their max age; writes the idle clocks. */
  async sweep(now = Date.now()): Promise<void> {
    for (const s of this.deps.store.sessions.listLive()) {
      if (now - Date.parse(s.createdAt) >= s.maxAgeMs) {
        await this.stop(s.id, 'max_age');
        continue;
      }
      if (s.state !== 'ready') continue;
      if (this.sockets.has(s.id)) this.seen.set(s.id, now);
      const last = this.seen.get(s.id) ?? Date.parse(s.lastRequestAt ?? s.readyAt ?? s.createdAt);
      if (now - last >= s.idleTimeoutMs) await this.stop(s.id, 'idle_timeout');
      else this.deps.store.sessions.touch(s.id, new Date(last).toISOString());
    }
  }

  /** At start: keeps what still runs, ends the rest, removes what the engine has of no live session. */
  async restore(): Promise<void> {
    const { store, docker, instance, log } = this.deps;
    // A server with no engine of its own (its jobs run on runner hosts) has no session to find,
    // and must start all the same; a session found no more is ended at the next start, or by its timeouts.
    const away = await docker.ping().then(() => null, (err: unknown) => err);
    if (away) {
      log.warn({ err: away }, 'webapp sessions were not looked for: the Docker engine does not answer');
      return;
    }
    for (const s of store.sessions.listLive()) {
      const keep = s.state === 'ready' && (await sessionRunning(docker, instance, s.id)) && (await refenceSession(s.id).then(
          () => true,
          (err: unknown) => (log.warn({ err, session: s.id }, 'could not put the session\'s host fence back: ending it'), false),
        ));
      if (keep) {
        this.seen.set(s.id, Date.parse(s.lastRequestAt ?? s.readyAt ?? s.createdAt));
        log.info({ session: s.id }, 'session found again');
      } else if (store.sessions.end(s.id, s.state === 'ready' ? 'stopped' : 'failed', 'platform restart', await sessionLogTail(docker, instance, s.id))) {
        log.info({ session: s.id }, 'session ended by the platform restart');
      }
    }
    const live = new Set(store.sessions.listLive().map((s) => s.id));
    for (const id of await sessionBoxesOnEngine(docker, instance)) if (!live.has(id)) await this.remove(id);
    const folders = await readdir(join(this.deps.config.dataDir, 'sessions')).catch(() => [] as string[]);
    for (const id of folders) if (!live.has(id)) await rm(this.workdirOf(id), { recursive: true, force: true });
  }

  /** A session's working folder, holding its input files, when it was given some. */
  private workdirOf(id: string): string {
    return join(this.deps.config.dataDir, 'sessions', id);
  }

  /** Its container, network, fence and working folder. */
  private async remove(id: string): Promise<void> {
    await removeSessionBox(this.deps.docker, this.deps.instance, id);
    await rm(this.workdirOf(id), { recursive: true, force: true });
  }

  startSweeps(): void {
    const tick = () => {
      this.sweeping = this.sweep()
        .catch((err) => this.deps.log.warn({ err }, 'session sweep failed'))
        .finally(() => {
          if (this.sweeper) this.sweeper = setTimeout(tick, this.deps.config.webapps.sweepMs);
        });
    };
    this.sweeper = setTimeout(tick, this.deps.config.webapps.sweepMs);
  }

  /** Stops sweeping; ready sessions keep running, for the next start to find. Boots in progress are cut short and end at that start. */
  async close(): Promise<void> {
    const t = this.sweeper;
    this.sweeper = undefined;
    clearTimeout(t);
    await this.sweeping;
    for (const b of this.booting.values()) b.abort.abort();
    await Promise.all([...this.booting.values()].map((b) => b.done));
  }
}
