// The trivial job, done both ways:
// - through allgo: submit (A||GO's multipart) → wait for `done` over the job's Server-Sent
//   Events (the state arrives as soon as the server records it) → download the output file;
// - plainly: `docker run --rm` of the same image and command with the box the runner gives a
//   job (runner/run-container.ts: user, no network, read-only root, tmpfs, limits, a bind-mounted
//   folder owned by the job's user as working directory) → read the output file.
import { spawn } from 'node:child_process';
import { chmod, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Allgo } from './allgo.js';

const PARAM = 'write out.txt hi';
const EXPECTED = 'hi\n';
const JOB_USER = '65534:65534';
const TIMEOUT_MS = 120_000;

/** Submits the trivial job; returns its id. `fields`: more of the form's (job[no_cache]). */
export async function submit(a: Allgo, app: string, param = PARAM, fields: Record<string, string> = {}): Promise<number> {
  const form = new FormData();
  form.set('job[webapp_id]', app);
  form.set('job[param]', param);
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  const res = await a.api('/api/v1/jobs', { method: 'POST', body: form });
  if (!res.ok) throw new Error(`submit: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: number }).id;
}

/** Follows the job's events until its state is `done` (bounded). */
export async function waitDone(a: Allgo, id: number): Promise<{ result: string }> {
  const abort = AbortSignal.timeout(TIMEOUT_MS);
  const res = await a.api(`/api/v1/jobs/${id}/events`, { signal: abort });
  if (!res.ok || !res.body) throw new Error(`events of job ${id}: ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the events of job ${id} ended before it was done`);
      buffered += value;
      let cut: number;
      while ((cut = buffered.indexOf('\n\n')) >= 0) {
        const event = buffered.slice(0, cut);
        buffered = buffered.slice(cut + 2);
        const data = /^data: (.*)$/m.exec(event)?.[1];
        if (/^event: state$/m.test(event) && data) {
          const state = JSON.parse(data) as { status: string; result: string };
          if (state.status === 'done') return state;
        }
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** Reads the job's output file through its download link. */
async function download(a: Allgo, id: number, file = 'out.txt'): Promise<string> {
  const res = await a.api(`/api/v1/jobs/${id}`);
  const job = (await res.json()) as Record<string, unknown>;
  const url = (job[String(id)] as Record<string, string> | undefined)?.[file];
  if (!url) throw new Error(`job ${id} has no ${file}: ${JSON.stringify(job)}`);
  const out = await fetch(url);
  if (!out.ok) throw new Error(`download of ${url}: ${out.status}`);
  return out.text();
}

/** One trivial job through allgo, end to end: ms from submit to the output in hand. */
export async function allgoJob(a: Allgo, app: string, fields: Record<string, string> = {}): Promise<number> {
  const t0 = performance.now();
  const id = await submit(a, app, PARAM, fields);
  const state = await waitDone(a, id);
  if (state.result !== 'success') throw new Error(`job ${id} ended ${state.result}`);
  const text = await download(a, id);
  const ms = performance.now() - t0;
  if (text !== EXPECTED) throw new Error(`job ${id} wrote ${JSON.stringify(text)}`);
  return ms;
}

/** `docker run` arguments for the same box the runner builds (run-container.ts createJobContainer). */
function plainRunArgs(image: string, dir: string, argv: string[], memoryMb: number, name: string): string[] {
  return [
    'run', '--rm', '--name', name,
    '--user', JOB_USER,
    '--network', 'none',
    '--read-only',
    '--tmpfs', '/tmp:rw,nosuid,nodev,size=256m',
    '--memory', `${memoryMb}m`, '--memory-swap', `${memoryMb}m`,
    '--pids-limit', '512',
    '--cap-drop', 'ALL',
    '--security-opt', 'no-new-privileges',
    '--ipc', 'private',
    '--log-driver', 'json-file', '--log-opt', 'max-size=20m', '--log-opt', 'max-file=1',
    '-e', 'HOME=/tmp', '-e', 'TMPDIR=/tmp',
    '-w', '/job', '-v', `${dir}:/job`,
    '--entrypoint', argv[0],
    image, ...argv.slice(1),
  ];
}

let plainCount = 0;

/** The same job with plain Docker: a fresh folder for the job's user, `docker run --rm`, read the output. */
export async function plainJob(image: string, tag: string): Promise<number> {
  const t0 = performance.now();
  const dir = await mkdtemp(join(tmpdir(), 'allgo-bench-plain-'));
  try {
    if (process.getuid?.() === 0) {
      await chown(dir, 65534, 65534);
      await chmod(dir, 0o750);
    } else {
      await chmod(dir, 0o777);
    }
    const name = `allgo-bench-plain-${tag}-${process.pid}-${++plainCount}`;
    await run('docker', plainRunArgs(image, dir, ['/usr/local/bin/probe', ...PARAM.split(' ')], 64, name));
    const text = await readFile(join(dir, 'out.txt'), 'utf8');
    const ms = performance.now() - t0;
    if (text !== EXPECTED) throw new Error(`plain run wrote ${JSON.stringify(text)}`);
    return ms;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs a command (bounded), failing with its output if it fails. */
export function run(cmd: string, args: string[], opts: { input?: NodeJS.ReadableStream; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { timeout: TIMEOUT_MS * 2, env: opts.env ?? process.env, stdio: [opts.input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    if (opts.input) opts.input.pipe(child.stdin!);
    let out = '';
    child.stdout!.on('data', (c) => (out += c));
    child.stderr!.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.slice(0, 3).join(' ')}… exited ${code}:\n${out.slice(-2000)}`))));
  });
}

/** Runs `count` tasks, `parallel` at a time (bounded by `deadlineMs`); returns the wall time in ms. */
export async function inParallel(count: number, parallel: number, deadlineMs: number, task: (i: number) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < count) {
      if (performance.now() - t0 > deadlineMs) throw new Error(`not done within ${deadlineMs} ms`);
      await task(next++);
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return performance.now() - t0;
}
