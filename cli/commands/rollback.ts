import { parse, client, CONNECTION_HELP, CONNECTION_OPTIONS, type Command } from '../lib/command.js';
import { EXIT } from '../lib/exit-codes.js';
import { defaultLine } from './releases.js';

export const rollback: Command = {
  name: 'rollback',
  summary: 'move the default back to the version that was the default before',
  help: `usage: allgo rollback APP

Rolling back twice after promoting 1.0, 1.1 and 1.2 lands on 1.0; a yanked version is passed
over. allgo releases APP shows the history it follows.

${CONNECTION_HELP}`,

  async run(args) {
    const parsed = parse(this, args, CONNECTION_OPTIONS, { min: 1, max: 1, names: 'the app name' });
    if (!parsed) return EXIT.ok;
    process.stdout.write(defaultLine(await client(parsed.values).rollback(parsed.positionals[0])));
    return EXIT.ok;
  },
};
