import { parse, client, CONNECTION_HELP, CONNECTION_OPTIONS, type Command } from '../lib/command.js';
import { EXIT } from '../lib/exit-codes.js';
import { shortTime, table } from '../lib/table.js';
import type { ReleaseList } from '../../client/index.js';

/** What promote, rollback and yank print: where the default now stands. */
export function defaultLine(list: ReleaseList): string {
  return list.default_version ? `${list.app}: the default version is now ${list.default_version}\n` : `${list.app}: no default version (every version is yanked); push or promote one\n`;
}

export const releases: Command = {
  name: 'releases',
  summary: "an app's release history: publications, promotions, rollbacks, yanks",
  help: `usage: allgo releases APP [--json]

Newest first. DEFAULT marks the changes that made their version the app's default (the one a
job runs when it names none); allgo promote, rollback and yank move it.

  --json           the history as JSON, for scripts
${CONNECTION_HELP}`,

  async run(args) {
    const parsed = parse(this, args, { ...CONNECTION_OPTIONS, json: { type: 'boolean' } }, { min: 1, max: 1, names: 'the app name' });
    if (!parsed) return EXIT.ok;
    const { values, positionals } = parsed;
    const list = await client(values).releases(positionals[0]);
    if (values.json) {
      process.stdout.write(JSON.stringify(list, null, 2) + '\n');
      return EXIT.ok;
    }
    process.stdout.write(`default version: ${list.default_version ?? 'none'}\n`);
    if (list.releases.length === 0) return EXIT.ok;
    process.stdout.write(
      table(
        ['WHEN', 'ACTION', 'VERSION', 'COMMIT', 'BY', 'DEFAULT', 'TESTS', 'REASON'],
        list.releases.map((r) => [shortTime(r.at), r.action, r.version, r.commit.slice(0, 10), r.by, r.default ? 'yes' : '', r.tests_passed === null ? '' : `${r.tests_passed} passed`, r.reason]),
        { max: 80 },
      ),
    );
    return EXIT.ok;
  },
};
