import { parse, client, CONNECTION_HELP, CONNECTION_OPTIONS, type Command } from '../lib/command.js';
import { EXIT } from '../lib/exit-codes.js';
import { humanBytes, shortTime, table, type Cell } from '../lib/table.js';

/** A titled table, or a line saying there is nothing, for one section of the overview. */
const section = (title: string, headers: string[], rows: Cell[][], none: string): string => `${title}\n${rows.length ? table(headers, rows, { max: 80 }) : `  ${none}\n`}`;

export const admin: Command = {
  name: 'admin',
  summary: 'queues, runners, the last failures, the biggest users, disk use (admins)',
  help: `usage: allgo admin [--json]

What the platform is doing, read now, from the same place as its metrics: each queue's
depth and oldest waiting job; the runner hosts' slots and heartbeats; the last failed jobs
and builds, with their messages; the users with the most storage and the most running
jobs; and disk use of the data dir, the registry and Docker.

  --json           the overview as JSON (GET /api/v1/admin/overview), for scripts
${CONNECTION_HELP}`,

  async run(args) {
    const parsed = parse(this, args, { ...CONNECTION_OPTIONS, json: { type: 'boolean' } });
    if (!parsed) return EXIT.ok;
    const o = await client(parsed.values).adminOverview();
    if (parsed.values.json) {
      process.stdout.write(JSON.stringify(o, null, 2) + '\n');
      return EXIT.ok;
    }
    const { data_dir: dir, registry, docker } = o.disk;
    const parts = [
      section('QUEUES', ['QUEUE', 'WAITING', 'RUNNING', 'OLDEST WAITING SINCE', 'FOR'], o.queues.map((q) => [q.name, q.depth, q.running, shortTime(q.oldest_waiting_since), q.oldest_waiting_since ? `${Math.round(q.oldest_waiting_seconds)} s` : null]), 'no queue'),
      `  builds waiting: ${o.builds.depth}, building: ${o.builds.in_progress}\n`,
      section('RUNNERS', ['HOST', 'LIVE', 'SLOTS', 'IN USE', 'LAST HEARTBEAT'], o.runners.map((r) => [r.host, r.live, r.slots, r.slots_in_use, `${Math.round(r.heartbeat_age_seconds)} s ago`]), 'no runner heard from in the last day'),
      section('FAILED JOBS', ['JOB', 'APP', 'USER', 'QUEUE', 'RESULT', 'FINISHED', 'MESSAGE'], o.failed_jobs.map((j) => [j.id, `${j.app} ${j.version}`, j.user, j.queue, j.result, shortTime(j.finished_at), j.message]), 'none'),
      section('FAILED BUILDS', ['APP', 'VERSION', 'PUSHED BY', 'FINISHED', 'ERROR'], o.failed_builds.map((b) => [b.app, b.version, b.pusher, shortTime(b.finished_at), b.error]), 'none'),
      section('USERS BY STORAGE', ['USER', 'STORAGE', 'JOBS', 'RUNNING'], o.users_by_storage.map((u) => [u.name, humanBytes(u.storage_bytes), u.jobs, u.running]), 'no user has any job yet'),
      section('USERS BY RUNNING JOBS', ['USER', 'RUNNING', 'WAITING'], o.users_by_running.map((u) => [u.name, u.running, u.waiting]), 'no job is running'),
      section(
        'DISK',
        ['WHAT', 'USED', 'FREE', 'SIZE'],
        [
          [`data dir ${dir.path}`, `${humanBytes(dir.jobs_bytes)} in job folders`, humanBytes(dir.free_bytes), humanBytes(dir.size_bytes)],
          registry ? [`registry ${registry.url}`, `${humanBytes(registry.bytes)} in ${registry.images} images (unpacked)`, null, null] : ['registry', 'none configured', null, null],
          docker ? ['docker', `images ${humanBytes(docker.images_bytes)}, containers ${humanBytes(docker.containers_bytes)}, volumes ${humanBytes(docker.volumes_bytes)}, build cache ${humanBytes(docker.build_cache_bytes)}`, null, null] : ['docker', 'the engine did not answer', null, null],
        ],
        '',
      ),
    ];
    process.stdout.write(parts.join('\n'));
    return EXIT.ok;
  },
};
