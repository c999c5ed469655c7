import { parse, client, CliError, CONNECTION_HELP, CONNECTION_OPTIONS, type Command } from '../lib/command.js';
import { EXIT } from '../lib/exit-codes.js';

export const stop: Command = {
  name: 'stop',
  summary: 'stop one of your webapp sessions',
  help: `usage: allgo stop ID

Stops the session now: its container goes, and its URL answers 404 from then on.

${CONNECTION_HELP}`,

  async run(args) {
    const parsed = parse(this, args, CONNECTION_OPTIONS, { min: 1, max: 1, names: 'the session id' });
    if (!parsed) return EXIT.ok;
    const { values, positionals } = parsed;
    const api = client(values);
    const found = (await api.sessions()).find((s) => s.id === positionals[0]);
    if (!found) throw new CliError(`no session ${positionals[0]} of yours ("allgo sessions" lists them)`);
    const s = await api.stopSession(found.app, found.id);
    process.stdout.write(`session ${s.id}: ${s.state}${s.reason ? ` (${s.reason})` : ''}\n`);
    return EXIT.ok;
  },
};
