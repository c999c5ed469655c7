import { AllgoClient, ApiError, configFile, DEFAULT_URL, resolveCredentials, saveConfig } from '../../client/index.js';
import { CliError, parse, UsageError, type Command } from '../lib/command.js';
import { EXIT } from '../lib/exit-codes.js';
import { Prompter } from '../lib/prompt.js';

export const login: Command = {
  name: 'login',
  summary: 'save the server URL and your API token (asks for what is missing)',
  help: `usage: allgo login [--url URL] [--token TOKEN]

Checks the token with the server, then saves both in $XDG_CONFIG_HOME/allgo/config.json
(default ~/.config/allgo/config.json), readable by you only. What is not given as a flag is
asked on stdin; the token is not echoed.

ALLGO_URL, ALLGO_TOKEN and ~/.allgo_token still come first when set.`,

  async run(args) {
    const parsed = parse(this, args, { url: { type: 'string' }, token: { type: 'string' } });
    if (!parsed) return EXIT.ok;
    const { values } = parsed;
    let suggested = DEFAULT_URL;
    try {
      suggested = resolveCredentials({ url: values.url }).url;
    } catch {
      // A broken config file is what this command replaces.
    }
    const prompter = new Prompter();
    let url: string;
    let token: string;
    try {
      url = values.url ?? (await prompter.ask('allgo server URL', { default: suggested })) ?? suggested;
      token = values.token ?? (await prompter.ask('API token', { secret: true })) ?? '';
    } finally {
      prompter.close();
    }
    if (!token) throw new UsageError('no token given: pass --token, or type it when asked');

    const api = new AllgoClient({ url, token });
    let user;
    try {
      user = await api.user();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) throw new CliError(`${api.url} refused this token: check it (an admin can make one with "allgo user add")`, EXIT.auth);
      throw err;
    }
    const file = configFile();
    saveConfig(file, { url: api.url, token, user: user.name });
    const role = user.admin ? ' (admin)' : user.provider ? ' (provider)' : '';
    process.stdout.write(`signed in to ${api.url} as ${user.name}${role}; saved in ${file}\n`);

    // Say so when something that outranks the saved login would still be used.
    const now = resolveCredentials();
    if (now.url !== api.url || now.token !== token) {
      const which = [process.env.ALLGO_URL ? 'ALLGO_URL' : '', now.from.token && now.from.token !== 'config' ? now.from.token : ''].filter(Boolean).join(' and ');
      process.stderr.write(`allgo: note: ${which || 'another setting'} is set and comes before this login\n`);
    }
    return EXIT.ok;
  },
};
