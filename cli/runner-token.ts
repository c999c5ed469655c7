// `allgo runner-token add NAME`: an admin's command that makes the token a runner (or builder)
// host joins with. Like `allgo user add`, it writes to the server's own store beside it, or
// asks the API with an admin's token elsewhere.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AllgoClient } from '../client/index.js';
import { parse, describeError, UsageError, CONNECTION_OPTIONS, CONNECTION_HELP } from './lib/command.js';
import { EXIT } from './lib/exit-codes.js';

const help = `usage: allgo runner-token add NAME [--url URL] [--token T]

Creates the token of runner host NAME and prints it (shown only this once). Give it to
that host as ALLGO_RUNNER_TOKEN. NAME is how listings and "runner host NAME lost" call it.
Beside the server (its ALLGO_DATA_DIR, or ./data, holds allgo.db), it writes to that store.
Elsewhere, or with --url/--token, it asks the server's API with an admin's token.
${CONNECTION_HELP}`;

export async function runnerTokenAdd(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parse({ help }, args, { ...CONNECTION_OPTIONS }, { min: 1, max: 1, names: 'the runner name' });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`allgo runner-token add: ${err.message}\n${help.split('\n\n')[0]}`);
    return EXIT.usage;
  }
  if (!parsed) return EXIT.ok;
  const { values, positionals } = parsed;
  const [name] = positionals;
  const { loadConfig } = await import('../common/config.js');
  const storeFile = join(loadConfig().dataDir, 'allgo.db');
  const viaApi = values.url !== undefined || values.token !== undefined || !existsSync(storeFile);
  if (!viaApi) return addToStore(storeFile, name);
  const client = new AllgoClient({ url: values.url, token: values.token });
  try {
    console.log((await client.createRunnerToken(name)).token);
    return EXIT.ok;
  } catch (err) {
    const { line, code } = describeError(err, client.credentials);
    console.error(`allgo: ${line}`);
    return code;
  }
}

async function addToStore(file: string, name: string): Promise<number> {
  const [{ openStore }, { isValidRunnerName, RUNNER_NAME_RULE }, { LOCAL_RUNNER_NAME }] = await Promise.all([
    import('../server/store/index.js'),
    import('../common/names.js'),
    import('../common/runner-protocol.js'),
  ]);
  if (!isValidRunnerName(name) || name === LOCAL_RUNNER_NAME) {
    console.error(`allgo: ${name === LOCAL_RUNNER_NAME ? `"${name}" names the runners on the server's own host` : RUNNER_NAME_RULE}`);
    return EXIT.usage;
  }
  const store = openStore(file);
  try {
    if (store.runnerTokens.byName(name)) {
      console.error(`allgo: runner token "${name}" already exists`);
      return EXIT.failed;
    }
    console.log(store.runnerTokens.create(name, null).token);
    return EXIT.ok;
  } finally {
    store.close();
  }
}
