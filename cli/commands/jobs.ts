import { parse, client, CONNECTION_HELP, CONNECTION_OPTIONS, UsageError, type Command } from '../lib/command.js';
import { EXIT } from '../lib/exit-codes.js';
import { shortTime, table } from '../lib/table.js';

export const jobs: Command = {
  name: 'jobs',
  summary: 'list your jobs, newest first',
  help: `usage: allgo jobs [--limit N] [--json]

  --limit N        how many (default 20, at most 100)
  --json           the jobs as a JSON array, for scripts
${CONNECTION_HELP}`,

  async run(args) {
    const parsed = parse(this, args, { ...CONNECTION_OPTIONS, limit: { type: 'string' }, json: { type: 'boolean' } });
    if (!parsed) return EXIT.ok;
    const { values } = parsed;
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new UsageError('--limit takes a number from 1 to 100');
    const page = await client(values).jobs({ limit });
    if (values.json) process.stdout.write(JSON.stringify(page.jobs, null, 2) + '\n');
    else if (page.jobs.length === 0) process.stderr.write('no jobs yet: start one with "allgo run APP"\n');
    else {
      process.stdout.write(
        table(
          ['ID', 'APP', 'VERSION', 'STATE', 'RESULT', 'CREATED', 'PARAMS'],
          page.jobs.map((j) => [j.id, j.app, j.version, j.state, j.result, shortTime(j.created_at), j.param]),
        ),
      );
    }
    return EXIT.ok;
  },
};
