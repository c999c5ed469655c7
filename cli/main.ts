#!/usr/bin/env node
// allgo's command line: the platform's processes (up, server, builder, runner) and admin tasks.
import type { RoleSet } from './roles.js';
import { CLIENT_USAGE, isClientCommand, runClientCommand } from './commands/index.js';

const USAGE = `usage: allgo <command>

Running the platform:
  up                         server + builder + runner in one process (the embedded default)
  server                     the API, git server and store only
  builder                    build images only (needs REDIS_URL on another host)
  runner                     run jobs only (needs REDIS_URL on another host)
  user add <name> --email <e> [--provider] [--admin] [--url URL] [--token T]
                             create a user and print their API token: in the store of
                             ALLGO_DATA_DIR if there is one, or else through the API as an admin

Settings come from the environment (PORT, ALLGO_DATA_DIR, REDIS_URL, DOCKER_HOST,
ALLGO_ADMIN_TOKEN, ALLGO_PUBLIC_URL, ALLGO_CONFIG, LOG_LEVEL, LOG_FORMAT) and the config file;
see README.md.

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
  if (command in ROLES) return serve(ROLES[command]);
  if (isClientCommand(command)) return runClientCommand(command, rest);
  if (command === 'user' && rest[0] === 'add') return (await import('./user-add.js')).userAdd(rest.slice(1));
  console.error(`allgo: unknown command "${argv.join(' ')}"\n\n${USAGE}`);
  return 2;
}

// The platform's modules load only for the commands that run it: client commands start in a
// third of the time without them.
async function serve(roles: RoleSet): Promise<number> {
  const modules = await Promise.all([import('../common/config.js'), import('./roles.js'), import('./logger.js')]).catch((err: NodeJS.ErrnoException) => {
    // The allgo-cli package (npm run pack:client) carries the client commands only.
    if (err.code === 'ERR_MODULE_NOT_FOUND') throw new Error('this allgo command is the client only: the platform runs from the allgo repository (npm start)');
    throw err;
  });
  const [{ loadConfig }, { startRoles }, { createLogger }] = modules;
  const config = loadConfig();
  const log = createLogger(process.env);
  const running = await startRoles(config, roles, log);
  if (running.generatedAdminToken) {
    console.log(`\nallgo: created the admin user "admin". Its API token (shown only this once):\n\n  ${running.generatedAdminToken}\n`);
  }
  if (roles.builder) console.log('allgo: builder ready');
  if (roles.runner) console.log(`allgo: runner ready (queues ${config.queues.map((q) => q.name).join(', ')}; ${config.runnerConcurrency} slots)`);
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
