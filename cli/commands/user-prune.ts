import { parse, client, UsageError, CONNECTION_HELP, CONNECTION_OPTIONS, type Command } from '../lib/command.js';
import { EXIT } from '../lib/exit-codes.js';

const GB = 1024 ** 3;

export const userPrune: Command = {
  name: 'user prune',
  summary: "delete the files of a user's old finished jobs (admins)",
  help: `usage: allgo user prune NAME --older-than DURATION

Deletes the files of NAME's jobs that finished longer ago than DURATION (30m, 12h, 7d), to free
their storage; the jobs' records stay, as deleted. Running and waiting jobs are left alone.

  --older-than D   how long ago a job must have finished
${CONNECTION_HELP}`,

  async run(args) {
    const parsed = parse(this, args, { ...CONNECTION_OPTIONS, 'older-than': { type: 'string' } }, { min: 1, max: 1, names: 'the user name' });
    if (!parsed) return EXIT.ok;
    const olderThan = parsed.values['older-than'];
    if (!olderThan) throw new UsageError('--older-than is required (as 7d, 12h or 30m)');
    const api = client(parsed.values);
    let deleted = 0;
    let freed = 0;
    // The server prunes a batch per call, so that no request runs long.
    for (let more = true; more; ) {
      const r = await api.pruneUserJobs(parsed.positionals[0], olderThan);
      deleted += r.deleted;
      freed += r.freed_bytes;
      more = r.more && r.deleted > 0;
    }
    process.stdout.write(`${parsed.positionals[0]}: deleted the files of ${deleted} job${deleted === 1 ? '' : 's'}, ${(freed / GB).toFixed(2)} GB freed\n`);
    return EXIT.ok;
  },
};
