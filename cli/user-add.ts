// `allgo user add`: an admin's command. It writes to the server's own store when it runs beside
// it (the data dir holds an allgo.db), or asks the server's API with an admin's token. It never
// creates a store of its own: a token written to a store no server reads would be refused.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AllgoClient } from '../client/index.js';
import { parse, describeError, UsageError, CONNECTION_OPTIONS, CONNECTION_HELP } from './lib/command.js';
import { EXIT } from './lib/exit-codes.js';

const help = `usage: allgo user add NAME --email EMAIL [--provider] [--admin] [--url URL] [--token T]

Creates a user and prints their API token (shown only this once).
Beside the server (its ALLGO_DATA_DIR, or ./data, holds allgo.db), it writes to that store.
Elsewhere, or with --url/--token, it asks the server's API with an admin's token.

  --provider       may create apps
  --admin          may do everything
${CONNECTION_HELP}`;

export async function userAdd(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parse({ help }, args, { ...CONNECTION_OPTIONS, email: { type: 'string' }, provider: { type: 'boolean' }, admin: { type: 'boolean' } }, { min: 1, max: 1, names: 'the user name' });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`allgo user add: ${err.message}\n${help.split('\n\n')[0]}`);
    return EXIT.usage;
  }
  if (!parsed) return EXIT.ok;
  const { values, positionals } = parsed;
  const [name] = positionals;
  if (!values.email) {
    console.error(`allgo user add: --email is required\n${help.split('\n\n')[0]}`);
    return EXIT.usage;
  }
  const { loadConfig } = await import('../common/config.js');
  const config = loadConfig();
  const storeFile = join(config.dataDir, 'allgo.db');
  const client = new AllgoClient({ url: values.url, token: values.token });
  const viaApi = values.url !== undefined || values.token !== undefined || !existsSync(storeFile);
  if (viaApi && !client.credentials.token) {
    console.error(
      `allgo: no allgo store at ${storeFile} and no admin token for ${client.url}: run this beside the server with its ALLGO_DATA_DIR, ` +
        'or "allgo login" as an admin (or pass --url and --token) to create the user through the API',
    );
    return EXIT.usage;
  }
  const user = { name, email: values.email, provider: !!values.provider, admin: !!values.admin };
  if (viaApi) {
    try {
      const created = await client.createUser(user);
      console.log(created.token);
      return EXIT.ok;
    } catch (err) {
      const { line, code } = describeError(err, client.credentials);
      console.error(`allgo: ${line}`);
      return code;
    }
  }
  return addToStore(storeFile, user);
}

async function addToStore(file: string, u: { name: string; email: string; provider: boolean; admin: boolean }): Promise<number> {
  const [{ openStore }, { isValidUserName, USER_NAME_RULE }] = await Promise.all([import('../server/store/index.js'), import('../server/store/users.js')]);
  if (!isValidUserName(u.name)) {
    console.error(`allgo: ${USER_NAME_RULE}`);
    return EXIT.usage;
  }
  if (!/^[^@\s]+@[^@\s]+$/.test(u.email)) {
    console.error(`allgo: "${u.email}" is not an email address`);
    return EXIT.usage;
  }
  // WAL makes writing beside the running server safe, as a database console would.
  const store = openStore(file);
  try {
    if (store.users.byName(u.name)) {
      console.error(`allgo: user "${u.name}" already exists`);
      return EXIT.failed;
    }
    const { token } = store.users.create({ name: u.name, email: u.email, isProvider: u.provider, isAdmin: u.admin });
    console.log(token);
    return EXIT.ok;
  } finally {
    store.close();
  }
}
