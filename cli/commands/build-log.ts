import { parse, client, CONNECTION_HELP, CONNECTION_OPTIONS, type Command } from '../lib/command.js';
import { EXIT } from '../lib/exit-codes.js';

export const buildLog: Command = {
  name: 'build-log',
  summary: "print a version's build log (the app's owner only)",
  help: `usage: allgo build-log APP VERSION

${CONNECTION_HELP}`,

  async run(args) {
    const parsed = parse(this, args, CONNECTION_OPTIONS, { min: 2, max: 2, names: 'the app and the version' });
    if (!parsed) return EXIT.ok;
    const { values, positionals } = parsed;
    process.stdout.write(await client(values).buildLog(positionals[0], positionals[1]));
    return EXIT.ok;
  },
};
