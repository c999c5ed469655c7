// The client commands of `allgo`: one file each; this file lists them, prints the shared
// help, and turns what a command throws into one line on stderr and an exit code.
import { parseArgs } from 'node:util';
import { admin } from './admin.js';
import { app } from './app.js';
import { apps } from './apps.js';
import { buildLog } from './build-log.js';
import { cancel } from './cancel.js';
import { credential } from './credential.js';
import { exportImage } from './export.js';
import { get } from './get.js';
import { init } from './init.js';
import { job } from './job.js';
import { jobs } from './jobs.js';
import { login } from './login.js';
import { logs } from './logs.js';
import { remote } from './remote.js';
import { rerun } from './rerun.js';
import { run } from './run.js';
import { runners } from './runners.js';
import { sessions } from './sessions.js';
import { start } from './start.js';
import { stop } from './stop.js';
import { storage } from './storage.js';
import { userPrune } from './user-prune.js';
import { userSet } from './user-set.js';
import { versions } from './versions.js';
import { releases } from './releases.js';
import { promote } from './promote.js';
import { rollback } from './rollback.js';
import { yank } from './yank.js';
import { CONNECTION_OPTIONS, describeError, UsageError, type Command } from '../lib/command.js';
import { EXIT, EXIT_CODES_HELP } from '../lib/exit-codes.js';
import { resolveCredentials, type Credentials } from '../../client/index.js';

const USER_COMMANDS = [login, apps, app, run, rerun, jobs, job, logs, get, cancel, exportImage, start, sessions, stop];
const PROVIDER_COMMANDS = [init, remote, versions, releases, promote, rollback, yank, buildLog, credential];
const ADMIN_COMMANDS = [admin, runners, userSet, userPrune, storage];
const COMMANDS = new Map<string, Command>([...USER_COMMANDS, ...PROVIDER_COMMANDS, ...ADMIN_COMMANDS].map((c) => [c.name, c]));

const list = (cmds: Command[]) => cmds.map((c) => `  ${c.name.padEnd(27)}${c.summary}`).join('\n');

export const CLIENT_USAGE = `Using a server (each command takes --help):
${list(USER_COMMANDS)}

Publishing apps:
${list(PROVIDER_COMMANDS)}

Administering:
${list(ADMIN_COMMANDS)}

${EXIT_CODES_HELP}`;

export const isClientCommand = (name: string): boolean => COMMANDS.has(name);

export async function runClientCommand(name: string, args: string[]): Promise<number> {
  const cmd = COMMANDS.get(name)!;
  try {
    return await cmd.run(args);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`allgo ${name}: ${err.message}\n${cmd.help.split('\n\n')[0]}\n`);
      return EXIT.usage;
    }
    const { line, code } = describeError(err, credentialsFor(args));
    process.stderr.write(`allgo: ${line}\n`);
    return code;
  }
}

/** The credentials the command used, for messages that say where a URL or token came from. */
function credentialsFor(args: string[]): Credentials | undefined {
  try {
    const { values } = parseArgs({ args, options: CONNECTION_OPTIONS, strict: false, allowPositionals: true });
    return resolveCredentials({ url: values.url as string | undefined, token: values.token as string | undefined });
  } catch {
    return undefined;
  }
}
