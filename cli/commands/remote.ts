// `allgo remote APP`: a git remote for pushing APP, with no token in its URL or in .git/config.
// git asks `allgo credential` for the token when the server wants one (a URL-scoped credential
// helper), so the token stays in the one 0600 file `allgo login` wrote, or in the environment.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ApiError, requireToken } from '../../client/index.js';
import { parse, client, CliError, CONNECTION_HELP, CONNECTION_OPTIONS, type Command } from '../lib/command.js';
import { EXIT } from '../lib/exit-codes.js';

const run = promisify(execFile);

export const remote: Command = {
  name: 'remote',
  summary: 'add the git remote "allgo" for an app, token kept out of .git (providers)',
  help: `usage: allgo remote APP [--name REMOTE] [--force]

In the git repository here, adds the remote REMOTE (default "allgo") = URL/git/APP.git and
makes git get your token from "allgo credential" when it pushes there, so that
"git push allgo main" works with no prompt. The token is never written into .git.

  --name REMOTE    the remote's name (default allgo)
  --force          point an existing remote of that name at this app
${CONNECTION_HELP}`,

  async run(args) {
    const parsed = parse(this, args, { ...CONNECTION_OPTIONS, name: { type: 'string' }, force: { type: 'boolean' } }, { min: 1, max: 1, names: 'the app name' });
    if (!parsed) return EXIT.ok;
    const { values, positionals } = parsed;
    const app = positionals[0];
    const remoteName = values.name ?? 'allgo';
    const api = client(values);
    requireToken(api.credentials);

    const git = (...a: string[]) => run('git', a, { encoding: 'utf8' }).then((r) => r.stdout.trim());
    if (!(await git('rev-parse', '--is-inside-work-tree').catch(() => ''))) throw new CliError('not in a git repository: run "git init -b main" first');

    // Tell now, not at push time, when the push could not work.
    const user = await api.user();
    const existing = await api.app(app).catch((err) => {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    });
    if (existing && !existing.git_url) throw new CliError(`app "${app}" belongs to ${existing.owner}: only its owner can push to it`);
    if (!existing && !user.provider) throw new CliError(`${user.name} may not create apps: ask an admin for provider rights`);

    const url = `${api.url}/git/${app}.git`;
    const current = await git('remote', 'get-url', remoteName).catch(() => null);
    if (current === null) await git('remote', 'add', remoteName, url);
    else if (current !== url) {
      if (!values.force) throw new CliError(`the remote "${remoteName}" already points at ${current}: pass --force to point it at ${url}`);
      await git('remote', 'set-url', remoteName, url);
    }

    // Only URLs under /git/ of this server ask the helper; the empty entry first drops any other
    // helper (a global `store`, say) for them, so a stale password cannot win.
    const key = `credential.${api.url}/git/.helper`;
    await git('config', '--local', '--unset-all', key).catch(() => undefined);
    await git('config', '--local', '--add', key, '');
    await git('config', '--local', '--add', key, helperCommand(api.url));

    const created = existing ? '' : ` (your first push of main creates ${app})`;
    process.stdout.write(`remote "${remoteName}" → ${url}${created}\npush with: git push ${remoteName} main\n`);
    return EXIT.ok;
  },
};

/** `!'node' '…/cli/main.js' credential --url 'URL'`, quoted for the shell git runs it with. */
function helperCommand(url: string): string {
  const main = fileURLToPath(new URL('../main.js', import.meta.url));
  if (!existsSync(main)) throw new CliError(`cannot find allgo's compiled CLI at ${main}: run "npm run build" first`);
  const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return `!${sh(process.execPath)} ${sh(main)} credential --url ${sh(url)}`;
}
