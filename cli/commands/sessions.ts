import { parse, client, CONNECTION_HELP, CONNECTION_OPTIONS, type Command } from '../lib/command.js';
import { EXIT } from '../lib/exit-codes.js';
import { shortTime, table } from '../lib/table.js';

export const sessions: Command = {
  name: 'sessions',
  summary: 'list your webapp sessions, newest first, with their time left',
  help: `usage: allgo sessions [--all] [--json]

  --all            also those that ended (default: starting and ready ones)
  --json           the sessions as a JSON array, for scripts
${CONNECTION_HELP}`,

  async run(args) {
    const parsed = parse(this, args, { ...CONNECTION_OPTIONS, all: { type: 'boolean' }, json: { type: 'boolean' } });
    if (!parsed) return EXIT.ok;
    const { values } = parsed;
    const all = await client(values).sessions();
    const shown = values.all ? all : all.filter((s) => s.state === 'starting' || s.state === 'ready');
    if (values.json) process.stdout.write(JSON.stringify(shown, null, 2) + '\n');
    else if (shown.length === 0) process.stderr.write('no sessions running: start one with "allgo start APP"\n');
    else {
      const left = (iso: string | null) => (iso ? `${Math.max(0, Math.round((Date.parse(iso) - Date.now()) / 60_000))} min` : null);
      process.stdout.write(
        table(
          ['ID', 'APP', 'VERSION', 'STATE', 'TIME LEFT', 'CREATED', 'URL'],
          shown.map((s) => [s.id, s.app, s.version, s.reason ? `${s.state} (${s.reason})` : s.state, left(s.expires_at), shortTime(s.created_at), s.host_url ?? s.url]),
          { max: 80 },
        ),
      );
    }
    return EXIT.ok;
  },
};
