import { parse, client, CONNECTION_HELP, CONNECTION_OPTIONS, type Command } from '../lib/command.js';
import { EXIT } from '../lib/exit-codes.js';
import { shortTime, table } from '../lib/table.js';

export const versions: Command = {
  name: 'versions',
  summary: "list an app's versions (its owner also sees builds and failures)",
  help: `usage: allgo versions APP [--json]

  --json           the versions as a JSON array, for scripts
${CONNECTION_HELP}`,

  async run(args) {
    const parsed = parse(this, args, { ...CONNECTION_OPTIONS, json: { type: 'boolean' } }, { min: 1, max: 1, names: 'the app name' });
    if (!parsed) return EXIT.ok;
    const { values, positionals } = parsed;
    const list = (await client(values).app(positionals[0])).versions;
    if (values.json) process.stdout.write(JSON.stringify(list, null, 2) + '\n');
    else if (list.length === 0) process.stderr.write(`${positionals[0]} has no versions yet\n`);
    else {
      process.stdout.write(
        table(
          ['VERSION', 'STATE', 'COMMIT', 'PUSHED', 'FINISHED', 'ERROR'],
          list.map((v) => [v.version, v.state, v.commit.slice(0, 10), shortTime(v.created_at), shortTime(v.finished_at), v.error]),
          { max: 80 },
        ),
      );
    }
    return EXIT.ok;
  },
};
