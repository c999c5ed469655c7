import { parse, client, CONNECTION_HELP, CONNECTION_OPTIONS, type Command } from '../lib/command.js';
import { EXIT } from '../lib/exit-codes.js';
import { shortTime, table } from '../lib/table.js';

export const runners: Command = {
  name: 'runners',
  summary: 'list the runner hosts and what they run (admins)',
  help: `usage: allgo runners [--json]

Each runner process heard from in the last day: its name (its runner token's), labels,
slots, the jobs it runs, its last heartbeat and version. LIVE is "no" once it has been
silent for three heartbeats: its jobs go to other hosts as their queue's retries allow.

  --json           the runners as a JSON array, for scripts
${CONNECTION_HELP}`,

  async run(args) {
    const parsed = parse(this, args, { ...CONNECTION_OPTIONS, json: { type: 'boolean' } });
    if (!parsed) return EXIT.ok;
    const list = await client(parsed.values).runners();
    if (parsed.values.json) process.stdout.write(JSON.stringify(list, null, 2) + '\n');
    else if (list.length === 0) process.stderr.write('no runner has been heard from: start one with "allgo runner" (see README, "Scale out")\n');
    else {
      process.stdout.write(
        table(
          ['NAME', 'HOST', 'LABELS', 'SLOTS', 'RUNNING', 'LAST HEARTBEAT', 'LIVE', 'VERSION'],
          list.map((r) => [r.name, r.hostname, r.labels.join(',') || '-', r.slots, r.running.join(',') || '-', shortTime(r.last_heartbeat), r.live ? 'yes' : 'no', r.version]),
        ),
      );
    }
    return EXIT.ok;
  },
};
