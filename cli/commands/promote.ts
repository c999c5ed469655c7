import { parse, client, CONNECTION_HELP, CONNECTION_OPTIONS, type Command } from '../lib/command.js';
import { EXIT } from '../lib/exit-codes.js';
import { defaultLine } from './releases.js';

export const promote: Command = {
  name: 'promote',
  summary: "make a ready version the app's default",
  help: `usage: allgo promote APP VERSION

The default version is the one a job runs when it names none. A push makes its version the
default unless it was pushed with "git push -o allgo.promote=false" or "promote: false".

${CONNECTION_HELP}`,

  async run(args) {
    const parsed = parse(this, args, CONNECTION_OPTIONS, { min: 2, max: 2, names: 'the app name and the version' });
    if (!parsed) return EXIT.ok;
    const [app, version] = parsed.positionals;
    process.stdout.write(defaultLine(await client(parsed.values).promote(app, version)));
    return EXIT.ok;
  },
};
