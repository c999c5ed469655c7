import { parse, client, UsageError, CONNECTION_HELP, CONNECTION_OPTIONS, type Command } from '../lib/command.js';
import { EXIT } from '../lib/exit-codes.js';
import type { UserLimitsPatch } from '../../client/index.js';

/** Each flag, the API field it sets, and whether it takes a fraction. */
const FLAGS = [
  ['max-running', 'max_running', false],
  ['max-waiting', 'max_waiting', false],
  ['per-minute', 'per_minute', false],
  ['storage-gb', 'storage_gb', true],
] as const;

/** A limit from the command line: a number, or "default" for the server's limits.user. */
function limitOf(flag: string, raw: string, fraction: boolean): number | null {
  if (raw === 'default') return null;
  const n = Number(raw);
  if (!(n > 0) || (!fraction && !Number.isInteger(n))) throw new UsageError(`--${flag} takes ${fraction ? 'a number' : 'a whole number'} above 0, or "default", got "${raw}"`);
  return n;
}

export const userSet: Command = {
  name: 'user set',
  summary: "set a user's limits: jobs running, waiting, per minute, storage (admins)",
  help: `usage: allgo user set NAME [--max-running N] [--max-waiting N] [--per-minute N] [--storage-gb G] [--json]

Sets one user's share, in place of the server's limits.user. "default" returns a limit to the
server's. Over --max-running a job waits its turn; over the others a submission is refused.

  --max-running N  jobs running at once
  --max-waiting N  jobs waiting to start at once
  --per-minute N   submissions in a minute
  --storage-gb G   GB the files of their jobs may take
  --json           the user as the API answers, for scripts
${CONNECTION_HELP}`,

  async run(args) {
    const str = { type: 'string' } as const;
    const parsed = parse(this, args, { ...CONNECTION_OPTIONS, json: { type: 'boolean' }, 'max-running': str, 'max-waiting': str, 'per-minute': str, 'storage-gb': str }, { min: 1, max: 1, names: 'the user name' });
    if (!parsed) return EXIT.ok;
    const { values } = parsed;
    const patch: UserLimitsPatch = {};
    for (const [flag, field, fraction] of FLAGS) {
      const raw = values[flag];
      if (typeof raw === 'string') patch[field] = limitOf(flag, raw, fraction);
    }
    if (Object.keys(patch).length === 0) throw new UsageError('give at least one of --max-running, --max-waiting, --per-minute, --storage-gb');
    const user = await client(parsed.values).setUserLimits(parsed.positionals[0], patch);
    if (values.json) process.stdout.write(JSON.stringify(user, null, 2) + '\n');
    else {
      const l = user.limits!;
      const shown = (v: number | null) => (v === null ? 'unlimited' : String(v));
      process.stdout.write(`${user.name}: max running ${shown(l.max_running)}, max waiting ${shown(l.max_waiting)}, per minute ${shown(l.per_minute)}, storage ${shown(l.storage_gb)} GB\n`);
    }
    return EXIT.ok;
  },
};
