// A version's push-time tests, run on the image just built, before it is pushed or published:
//   for each case: a fresh folder with its inputs → the job box (common/job-box.ts) → wait,
//   bounded by its timeout → its output and files checked against `expect`.
// Each case says `test NAME … ok (0.8 s)` in the build log; the first that fails stops the
// build with its reason, after the tail of its output.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { BuildPayload, BuildResult } from '../schemas/index.js';
import { jobBoxSpec } from '../common/job-box.js';
import { handToJobUser } from '../common/job-user.js';
import { openRegular } from '../common/open-regular.js';
import { LOG_FILE } from '../common/files.js';
import { dockerLogText } from '../common/docker-log-text.js';

type TestCase = NonNullable<BuildPayload['tests']>[number];
type TestResult = NonNullable<BuildResult['tests']>[number];

/** The job box's limits on this host (the runner's settings: a test runs as a job would). */
export interface TestBox {
  user: string;
  pidsLimit: number;
  tmpMb: number;
  maxFiles: number;
  logLimitBytes: number;
}

/** A case that failed: the build fails with this, and a failing test fails the same way again. */
export class TestFailedError extends Error {
  override name = 'TestFailedError';
}

const TAIL_LINES = 20;
/** Most bytes of a file (or the log) an expectation reads. */
const READ_MAX = 16 * 1024 * 1024;

export async function runTests(docker: Docker, image: string, cases: readonly TestCase[], box: TestBox, say: (line: string) => void, signal: AbortSignal): Promise<TestResult[]> {
  const results: TestResult[] = [];
  for (const c of cases) {
    const started = Date.now();
    const { failure, log } = await runCase(docker, image, c, box, signal);
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    if (!failure) {
      say(`test ${c.name} … ok (${seconds} s)\n`);
      results.push({ name: c.name, seconds });
      continue;
    }
    say(`test ${c.name} … FAILED (${seconds} s): ${failure}\n`);
    const tail = log.replace(/\n$/, '').split('\n').slice(-TAIL_LINES);
    if (log) say(`  its output, last ${tail.length} lines:\n${tail.map((l) => `  | ${l}\n`).join('')}`);
    throw new TestFailedError(`test ${c.name} failed: ${failure}`);
  }
  return results;
}

async function runCase(docker: Docker, image: string, c: TestCase, box: TestBox, signal: AbortSignal): Promise<{ failure: string | null; log: string }> {
  const root = await mkdtemp(join(tmpdir(), 'allgo-push-test-'));
  const dir = join(root, 'job');
  let container: Docker.Container | null = null;
  try {
    await mkdir(dir);
    for (const input of c.inputs) await writeFile(join(dir, input.name), Buffer.from(input.data, 'base64'));
    await handToJobUser(dir, box.user);
    container = await docker.createContainer(
      jobBoxSpec({
        name: `allgo-test-${randomBytes(6).toString('hex')}`,
        image,
        argv: c.argv,
        workdir: dir,
        user: box.user,
        memoryMb: c.memoryMb,
        cpus: c.cpus,
        pidsLimit: box.pidsLimit,
        tmpMb: box.tmpMb,
        maxFiles: box.maxFiles,
        logLimitBytes: box.logLimitBytes,
        env: ['ALLGO_JOB_ID=0'],
        labels: { 'allgo.test': c.name },
      }),
    );
    await container.start();
    const exitCode = await waitBounded(container, c.timeoutMs, signal);
    const log = dockerLogText((await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer).slice(-READ_MAX);
    if (exitCode === null) return { failure: signal.aborted ? 'the build was stopped' : `ran over its timeout of ${c.timeoutMs / 1000} s`, log };
    return { failure: await check(c.expect, exitCode, dir, log), log };
  } catch (err) {
    return { failure: `could not run: ${(err as Error).message}`, log: '' };
  } finally {
    await container?.remove({ force: true }).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  }
}

/** The exit code, or null when the case was killed for its timeout or the build's end. */
async function waitBounded(container: Docker.Container, ms: number, signal: AbortSignal): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  let stop = (): void => undefined;
  const over = new Promise<null>((resolve) => {
    stop = () => resolve(null);
    timer = setTimeout(stop, ms);
    // A build stopped already stops the case now; each case's listener goes with it.
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });
  try {
    const r = await Promise.race([container.wait() as Promise<{ StatusCode: number }>, over]);
    if (r === null) await container.kill().catch(() => undefined);
    return r === null ? null : r.StatusCode;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', stop);
  }
}


/** The first expectation not met, in words; null when all are. */
async function check(expect: TestCase['expect'], exitCode: number, dir: string, log: string): Promise<string | null> {
  const wanted = expect.exit_code ?? 0;
  if (exitCode !== wanted) return `exited with code ${exitCode}, expected ${wanted}`;
  // Each file read once, however many expectations name it.
  const reads = new Map<string, Promise<Buffer | null>>();
  const read = (name: string): Promise<Buffer | null> => {
    let r = reads.get(name);
    if (!r) reads.set(name, (r = readUpTo(name)));
    return r;
  };
  const readUpTo = async (name: string): Promise<Buffer | null> => {
    if (name === LOG_FILE) return Buffer.from(log);
    const f = await openRegular(join(dir, name));
    if (!f) return null;
    try {
      const buf = Buffer.alloc(Math.min(f.size, READ_MAX));
      await f.handle.read(buf, 0, buf.length, 0);
      return buf;
    } finally {
      await f.handle.close();
    }
  };
  for (const name of expect.files ?? []) if (!(await read(name))) return `it made no file ${name}`;
  for (const [name, text] of Object.entries(expect.contains ?? {})) {
    const data = await read(name);
    if (!data) return `it made no file ${name}`;
    if (!data.toString('utf8').includes(text)) return `${name} does not contain ${JSON.stringify(text)}`;
  }
  for (const [name, pattern] of Object.entries(expect.matches ?? {})) {
    const data = await read(name);
    if (!data) return `it made no file ${name}`;
    if (!new RegExp(pattern, 'm').test(data.toString('utf8'))) return `${name} does not match /${pattern}/`;
  }
  for (const [name, sum] of Object.entries(expect.sha256 ?? {})) {
    const data = await read(name);
    if (!data) return `it made no file ${name}`;
    const got = createHash('sha256').update(data).digest('hex');
    if (got !== sum) return `${name} has SHA-256 ${got}, expected ${sum}`;
  }
  return null;
}
