// git's credential helper protocol (gitcredentials(7)), set up by `allgo remote`: git writes
// `protocol=…` and `host=…` lines, and `get` answers with a user name and the API token as the
// password. The token goes only to the server it belongs to; `store` and `erase` are ignored,
// since the token lives in allgo's own settings.
import { createInterface } from 'node:readline';
import { resolveCredentials } from '../../client/index.js';
import { parse, type Command } from '../lib/command.js';
import { EXIT } from '../lib/exit-codes.js';

export const credential: Command = {
  name: 'credential',
  summary: 'git credential helper for pushes (set up by "allgo remote")',
  help: `usage: allgo credential --url URL get|store|erase

Called by git, not by people: answers "get" with your API token for URL, resolved as every
command does (ALLGO_TOKEN, ~/.allgo_token, then "allgo login"), and only when git asks for
that server.`,

  async run(args) {
    const parsed = parse(this, args, { url: { type: 'string' } }, { min: 1, max: 1, names: 'the action (get, store or erase)' });
    if (!parsed) return EXIT.ok;
    const { values, positionals } = parsed;
    const asked = await readRequest();
    if (positionals[0] !== 'get' || !values.url) return EXIT.ok;
    const creds = resolveCredentials({ url: values.url });
    const server = new URL(creds.url);
    if (asked.protocol !== server.protocol.slice(0, -1) || asked.host !== server.host) return EXIT.ok;
    if (!creds.token) {
      process.stderr.write(`allgo: no token for ${creds.url}: run "allgo login --url ${creds.url}" or set ALLGO_TOKEN\n`);
      return EXIT.ok;
    }
    process.stdout.write(`username=allgo\npassword=${creds.token}\n`);
    return EXIT.ok;
  },
};

async function readRequest(): Promise<Record<string, string>> {
  const fields: Record<string, string> = {};
  for await (const line of createInterface({ input: process.stdin, terminal: false })) {
    if (line === '') break;
    const eq = line.indexOf('=');
    if (eq > 0) fields[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return fields;
}
