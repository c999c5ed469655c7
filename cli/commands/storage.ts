import { parse, client, UsageError, CONNECTION_HELP, CONNECTION_OPTIONS, type Command } from '../lib/command.js';
import { EXIT } from '../lib/exit-codes.js';
import { table } from '../lib/table.js';

const GB = 1024 ** 3;

export const storage: Command = {
  name: 'storage',
  summary: 'the users whose jobs take the most room (admins)',
  help: `usage: allgo storage [--limit N] [--json]

The users whose job files take the most room, biggest first: bytes of the job folders still
on disk, how many such jobs, jobs running now, and their storage quota.

  --limit N        how many users (default 20)
  --json           the list as a JSON array, for scripts
${CONNECTION_HELP}`,

  async run(args) {
    const parsed = parse(this, args, { ...CONNECTION_OPTIONS, json: { type: 'boolean' }, limit: { type: 'string' } });
    if (!parsed) return EXIT.ok;
    const limit = parsed.values.limit === undefined ? undefined : Number(parsed.values.limit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 1000)) throw new UsageError(`--limit takes a whole number from 1 to 1000, got "${parsed.values.limit}"`);
    const list = await client(parsed.values).storage(limit);
    if (parsed.values.json) process.stdout.write(JSON.stringify(list, null, 2) + '\n');
    else if (list.length === 0) process.stderr.write('no user has any job yet\n');
    else {
      process.stdout.write(
        table(
          ['USER', 'STORAGE GB', 'QUOTA GB', 'JOBS', 'RUNNING'],
          list.map((u) => [u.name, (u.storage_bytes / GB).toFixed(2), u.storage_gb === null ? '-' : u.storage_gb, u.jobs, u.running]),
        ),
      );
    }
    return EXIT.ok;
  },
};
