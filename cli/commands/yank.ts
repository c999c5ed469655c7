import { parse, client, CONNECTION_HELP, CONNECTION_OPTIONS, UsageError, type Command } from '../lib/command.js';
import { EXIT } from '../lib/exit-codes.js';
import { defaultLine } from './releases.js';

export const yank: Command = {
  name: 'yank',
  summary: 'withdraw a version from new jobs, with a reason',
  help: `usage: allgo yank APP VERSION --reason TEXT

A job that names a yanked version is refused with the reason; the jobs it already ran keep
their records and files. Yanking the default version rolls the default back.

  --reason TEXT    why (required): shown to whoever asks for the version
${CONNECTION_HELP}`,

  async run(args) {
    const parsed = parse(this, args, { ...CONNECTION_OPTIONS, reason: { type: 'string' } }, { min: 2, max: 2, names: 'the app name and the version' });
    if (!parsed) return EXIT.ok;
    const reason = parsed.values.reason?.trim();
    if (!reason) throw new UsageError('missing --reason: say why the version is withdrawn');
    const [app, version] = parsed.positionals;
    const list = await client(parsed.values).yank(app, version, reason);
    process.stdout.write(`${app}: version ${version} yanked\n${defaultLine(list)}`);
    return EXIT.ok;
  },
};
