import { parse, client, CONNECTION_HELP, CONNECTION_OPTIONS, type Command } from '../lib/command.js';
import { EXIT } from '../lib/exit-codes.js';
import { table } from '../lib/table.js';

export const apps: Command = {
  name: 'apps',
  summary: 'list the apps you can run',
  help: `usage: allgo apps [--tag TAG]… [--json]

  --tag TAG        only apps with this tag (repeat: all of them)
  --json           the apps as a JSON array, for scripts
${CONNECTION_HELP}`,

  async run(args) {
    const parsed = parse(this, args, { ...CONNECTION_OPTIONS, tag: { type: 'string', multiple: true }, json: { type: 'boolean' } });
    if (!parsed) return EXIT.ok;
    const { values } = parsed;
    const tags = values.tag ?? [];
    const list = (await client(values).apps()).filter((a) => tags.every((t) => a.tags.includes(t)));
    if (values.json) process.stdout.write(JSON.stringify(list, null, 2) + '\n');
    else if (list.length === 0) process.stderr.write(`no apps${tags.length ? ` tagged ${tags.join(', ')}` : ''}\n`);
    else process.stdout.write(table(['NAME', 'VERSION', 'OWNER', 'TAGS', 'TITLE'], list.map((a) => [a.name, a.latest_version, a.owner, a.tags.join(','), a.title])));
    return EXIT.ok;
  },
};
