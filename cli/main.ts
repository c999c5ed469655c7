#!/usr/bin/env node
// allgo's command line: the platform's processes (up, server, builder, runner) and admin tasks.
import { parseArgs } from 'node:util';
import type { RoleSet } from './roles.js';
import { CLIENT_USAGE, isClientCommand, runClientCommand } from './commands/index.js';

const USAGE = `usage: allgo <command>

Running the platform:
  up                         server + builder + runner in one process (the embedded default)
  server                     the API, git server and store only
  builder                    build images only (needs REDIS_URL on another host)
  runner [--labels L,M] [--slots N] [--backend docker|slurm]
                             run jobs only; on another host it needs REDIS_URL,
                             ALLGO_SERVER_URL and ALLGO_RUNNER_TOKEN (README, "Scale out");
                             --backend slurm submits them to a Slurm cluster (README)
  runner-token add <name>    make the token of a runner or builder host (admins)
  user add <name> --email <e> [--provider] [--admin] [--url URL] [--token T]
                             create a user and print their API token: in the store of
                             ALLGO_DATA_DIR if there is one, or else through the API as an admin

Settings come from the environment (PORT, ALLGO_DATA_DIR, REDIS_URL, DOCKER_HOST,
ALLGO_ADMIN_TOKEN, ALLGO_PUBLIC_URL, ALLGO_SERVER_URL, ALLGO_RUNNER_TOKEN, ALLGO_CONFIG,
LOG_LEVEL, LOG_FORMAT) and the config file; see README.md.

${CLIENT_USAGE}`;

const ROLES: Record<string, RoleSet> = {
  up: { server: true, builder: true, runner: true },
  server: { server: true, builder: false, runner: false },
  builder: { server: false, builder: true, runner: false },
  runner: { server: false, builder: false, runner: true },
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  if (command in ROLES) return serve(ROLES[command], rest);
  if (isClientCommand(command)) return runClientCommand(command, rest);
  if (command === 'user' && (rest[0] === 'set' || rest[0] === 'prune')) return runClientCommand(`user ${rest[0]}`, rest.slice(1));
  if (command === 'user' && rest[0] === 'add') return (await import('./user-add.js')).userAdd(rest.slice(1));
  if (command === 'runner-token' && rest[0] === 'add') return (await import('./runner-token.js')).runnerTokenAdd(rest.slice(1));
  console.error(`allgo: unknown command "${argv.join(' ')}"\n\n${USAGE}`);
  return 2;
}

// The platform's modules load only for the commands that run it: client commands start in a
// third of the time without them.
async function serve(roles: RoleSet, args: string[]): Promise<number> {
  const modules = await Promise.all([import('../common/config.js'), import('./roles.js'), import('./logger.js')]).catch((err: NodeJS.ErrnoException) => {
    // The allgo-cli package (npm run pack:client) carries the client commands only.
    if (err.code === 'ERR_MODULE_NOT_FOUND') throw new Error('this allgo command is the client only: the platform runs from the allgo repository (npm start)');
    throw err;
  });
  const [{ loadConfig }, { startRoles }, { createLogger }] = modules;
  const env = { ...process.env };
  // A runner's own flags are its environment's settings, said on the command line.
  const { values } = parseArgs({ args, options: roles.runner ? { labels: { type: 'string' }, slots: { type: 'string' }, backend: { type: 'string' } } : {}, strict: true });
  if (values.labels !== undefined) env.ALLGO_RUNNER_LABELS = String(values.labels);
  if (values.slots !== undefined) env.ALLGO_RUNNER_SLOTS = String(values.slots);
  if (values.backend !== undefined) env.ALLGO_RUNNER_BACKEND = String(values.backend);
  const config = loadConfig(env);
  const log = createLogger(process.env);
  const running = await startRoles(config, roles, log);
  if (running.generatedAdminToken) {
    console.log(`\nallgo: created the admin user "admin". Its API token (shown only this once):\n\n  ${running.generatedAdminToken}\n`);
  }
  if (roles.builder) console.log('allgo: builder ready');
  if (running.runner) {
    const r = running.runner;
    console.log(`allgo: runner ready: ${r.name} (queues ${r.queues.join(', ') || 'none: no queue asks only for its labels'}; ${r.slots} slots)`);
  }
  if (running.url) {
    console.log(`allgo: listening on ${config.host}:${running.port}, ${config.publicUrl ? `public URL ${config.publicUrl}` : "links follow each request's address"}`);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    await running.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  return new Promise<number>(() => undefined);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error((err as Error).name === 'ConfigError' ? `allgo: bad configuration: ${(err as Error).message}` : `allgo: ${(err as Error).message}`);
    process.exit(1);
  },
);
