// Costs that stay flat, 5: many users. Drives a run queue's fair ordering with the real BullMQ
// and Redis: the server's Queues.enqueueRun, given each user's jobs still in line as the
// server counts them, and a fake worker of SLOTS slots whose jobs each take JOB_MS (nothing
// runs: the order is what is measured). Two scenarios in the same run, 1,000 jobs and more:
// - many: 50 users each submit 20 jobs at once (50 clients, each submitting its 20 in a row);
// - one: one user submits 1,000 jobs, then 49 users come one after another, 20 jobs each.
// A user's first-job wait, in slots' worth: the jobs that started after its first submission
// and before its first job, less each other user's next job in line at that moment (its turn,
// which round-robin puts first), divided by SLOTS. Target: every user's within 2, in both, so
// the spread between users stays within 2 slots' worth. The raw wait (every job that started
// ahead) is given too.
// With --fifo, every job is queued as if its user had none in line (no fair share: arrival
// order), to show what the measure says of an unfair queue.
// Run: npm run bench:fair [-- --fifo]
import { mkdtempSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Worker } from 'bullmq';
import pino from 'pino';
import { RedisSupervisor } from '../cli/redis-supervisor.js';
import { connectRedis } from '../common/redis.js';
import { runQueueName } from '../common/queues.js';
import type { QueueConfig } from '../common/config.js';
import { Queues } from '../server/queues.js';
import { load1, percentile, report, round, sleep } from './lib/measure.js';

const { values } = parseArgs({ options: { fifo: { type: 'boolean', default: false } } });
const SLOTS = 2;
const JOB_MS = 10;
const USERS = Number(process.env.FAIR_USERS ?? 50);
const EACH = 20;
const HEAVY = 1000;
/** Between two newcomers in scenario `one`: they arrive while the heavy user's jobs wait. */
const ARRIVE_MS = 60;
const TARGET = 2;
const QUEUE: QueueConfig = { name: 'standard', timeLimitMs: 60_000, description: '', priority: 1, concurrency: null, labels: [], retries: 0 };

interface Submitted {
  user: number;
  /** 1 for the user's first job. */
  seq: number;
  at: number;
}

interface Started {
  jobId: number;
  at: number;
}

/** One scenario on a fresh queue: `plan` submits through `submit(user)`; returns what started when. */
async function scenario(url: string, plan: (submit: (user: number) => Promise<void>) => Promise<void>): Promise<{ jobs: Map<number, Submitted>; starts: Started[] }> {
  const prefix = `benchfair${randomBytes(3).toString('hex')}`;
  const connection = connectRedis(url);
  const queues = new Queues(connection, prefix, [QUEUE]);
  const jobs = new Map<number, Submitted>();
  const starts: Started[] = [];
  /** Each user's jobs in line (submitted, not started): what `ahead` is at the server. */
  const inLine = new Map<number, number>();
  const seqs = new Map<number, number>();
  let nextId = 1;
  let total = 0;
  let planned = false;
  let allDone: () => void = () => {};
  const finished = new Promise<void>((r) => (allDone = r));
  const check = () => planned && starts.length === total && allDone();
  const workerConnection = connectRedis(url);
  const worker = new Worker(
    runQueueName(QUEUE.name),
    async (job) => {
      const jobId = (job.data as { jobId: number }).jobId;
      starts.push({ jobId, at: performance.now() });
      const user = jobs.get(jobId)!.user;
      inLine.set(user, inLine.get(user)! - 1);
      check();
      await sleep(JOB_MS);
      return { result: 'success', exitCode: 0, message: 'ok' };
    },
    { connection: workerConnection, prefix, concurrency: SLOTS, autorun: false },
  );
  try {
    const submit = async (user: number) => {
      const jobId = nextId++;
      total++;
      const seq = (seqs.get(user) ?? 0) + 1;
      seqs.set(user, seq);
      const ahead = inLine.get(user) ?? 0;
      inLine.set(user, ahead + 1);
      const given = values.fifo ? 0 : ahead;
      jobs.set(jobId, { user, seq, at: 0 });
      await queues.enqueueRun({ jobId, image: 'bench', argv: ['true'], memoryMb: 64, timeLimitMs: QUEUE.timeLimitMs, queue: QUEUE.name, logKey: `${prefix}:log:${jobId}` }, given);
      jobs.get(jobId)!.at = performance.now();
    };
    void worker.run();
    await plan(submit);
    planned = true;
    check();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`only ${starts.length} of ${total} jobs started in 5 min`)), 5 * 60_000)));
    await Promise.race([finished, late]).finally(() => clearTimeout(timer));
    return { jobs, starts };
  } finally {
    await worker.close();
    await queues.run(QUEUE.name).obliterate({ force: true }).catch(() => undefined);
    await queues.close();
    connection.disconnect();
    workerConnection.disconnect();
  }
}

/** Each user's first-job wait, in slots' worth: beyond its turn, and raw; and in ms. */
function firstJobWaits(jobs: Map<number, Submitted>, starts: Started[]): { beyond: number[]; raw: number[]; ms: number[] } {
  const startAt = new Map(starts.map((s, i) => [s.jobId, { i, at: s.at }]));
  const byUser = new Map<number, number[]>();
  for (const [id, j] of jobs) byUser.set(j.user, [...(byUser.get(j.user) ?? []), id]);
  const beyond: number[] = [];
  const raw: number[] = [];
  const ms: number[] = [];
  for (const [user, ids] of byUser) {
    const first = ids.find((id) => jobs.get(id)!.seq === 1)!;
    const t = jobs.get(first)!.at;
    const end = startAt.get(first)!;
    const ahead = starts.slice(0, end.i).filter((s) => s.at > t);
    // Each other user's next job in line when this one's first was queued: its fair turn.
    const turns = new Set<number>();
    for (const [other, theirs] of byUser) {
      if (other === user) continue;
      const next = theirs.filter((id) => jobs.get(id)!.at <= t && startAt.get(id)!.at > t).sort((a, b) => jobs.get(a)!.seq - jobs.get(b)!.seq)[0];
      if (next !== undefined) turns.add(next);
    }
    beyond.push(ahead.filter((s) => !turns.has(s.jobId)).length / SLOTS);
    raw.push(ahead.length / SLOTS);
    ms.push(end.at - t);
  }
  return { beyond, raw, ms };
}

const summary = (w: { beyond: number[]; raw: number[]; ms: number[] }) => ({
  users: w.beyond.length,
  beyond_turn_slots: { max: round(Math.max(...w.beyond), 1), p50: round(percentile(w.beyond, 50), 1), spread: round(Math.max(...w.beyond) - Math.min(...w.beyond), 1) },
  raw_slots: { max: round(Math.max(...w.raw), 1), p50: round(percentile(w.raw, 50), 1), spread: round(Math.max(...w.raw) - Math.min(...w.raw), 1) },
  wait_ms: { max: round(Math.max(...w.ms), 0), p50: round(percentile(w.ms, 50), 0) },
});

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'allgo-bench-fair-'));
  const redis = new RedisSupervisor(dir, pino({ level: 'silent' }));
  try {
    const url = await redis.start();
    const loadBefore = load1();
    const many = await scenario(url, (submit) => Promise.all(Array.from({ length: USERS }, async (_, u) => {
      for (let i = 0; i < EACH; i++) await submit(u + 1);
    })).then(() => undefined));
    const one = await scenario(url, async (submit) => {
      for (let i = 0; i < HEAVY; i++) await submit(1);
      for (let u = 2; u <= USERS; u++) {
        for (let i = 0; i < EACH; i++) await submit(u);
        await sleep(ARRIVE_MS);
      }
    });
    const m = summary(firstJobWaits(many.jobs, many.starts));
    const o = summary(firstJobWaits(one.jobs, one.starts));
    const met = m.beyond_turn_slots.max <= TARGET && o.beyond_turn_slots.max <= TARGET;
    for (const [name, s] of [[`${USERS} users × ${EACH} at once`, m], [`1 user × ${HEAVY}, then ${USERS - 1} users × ${EACH}`, o]] as const) {
      console.log(`${name}: first-job wait beyond its turn, max ${s.beyond_turn_slots.max} slots' worth (p50 ${s.beyond_turn_slots.p50}); raw max ${s.raw_slots.max} (p50 ${s.raw_slots.p50}); ${s.wait_ms.max} ms max`);
    }
    console.log(`target: within ${TARGET} slots' worth for every user: ${met ? 'met' : 'not met'} (${SLOTS} slots, ${JOB_MS} ms jobs, load before ${loadBefore})`);
    report({ bench: 'fair-shares', fifo: values.fifo, slots: SLOTS, job_ms: JOB_MS, many: m, one: o, target: TARGET, target_met: met, load1_before: loadBefore });
  } finally {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
