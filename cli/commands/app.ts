import { parse, client, CONNECTION_HELP, CONNECTION_OPTIONS, type Command } from '../lib/command.js';
import { EXIT } from '../lib/exit-codes.js';
import { fields, shortTime, table } from '../lib/table.js';
import { parametersTable } from '../lib/params-help.js';

export const app: Command = {
  name: 'app',
  summary: 'show one app: versions, typed parameters, presets, queues',
  help: `usage: allgo app NAME [--json]

  --json           the app as JSON, for scripts
${CONNECTION_HELP}`,

  async run(args) {
    const parsed = parse(this, args, { ...CONNECTION_OPTIONS, json: { type: 'boolean' } }, { min: 1, max: 1, names: 'the app name' });
    if (!parsed) return EXIT.ok;
    const { values, positionals } = parsed;
    const a = await client(values).app(positionals[0]);
    if (values.json) {
      process.stdout.write(JSON.stringify(a, null, 2) + '\n');
      return EXIT.ok;
    }
    const out = [
      fields([
        ['name', a.name],
        ['title', a.title],
        ['owner', a.owner],
        ['latest', a.latest_version ?? 'no ready version yet'],
        ['queue', a.queue],
        ['memory', a.memory ? `${a.memory} MB` : undefined],
        ['cpus', a.cpus ?? undefined],
        ['input limit', a.input_limit ? `${a.input_limit} MB` : undefined],
        ['os', a.os ?? undefined],
        ['contact', a.contact ?? undefined],
        ['tags', a.tags.length ? a.tags.join(', ') : undefined],
        ['private', a.private ? 'yes' : undefined],
        ['page', a.url],
        ['git', a.git_url],
      ]),
    ];
    if (a.versions.length) out.push(table(['VERSION', 'STATE', 'COMMIT', 'PUBLISHED'], a.versions.map((v) => [v.version, v.state, v.commit.slice(0, 10), shortTime(v.finished_at ?? v.created_at)])));
    // The parameters of the version a job gets by default (`allgo run APP --help-params --version V` for another).
    const latest = a.versions.find((v) => v.version === a.latest_version);
    if (latest?.parameters.length) out.push(`parameters of ${latest.version} (* required; "allgo run ${a.name} --help-params" for their help):\n` + parametersTable(latest));
    if (a.presets.length) out.push(table(['PRESET', 'PARAMS'], a.presets.map((p) => [p.name, p.values ? Object.entries(p.values).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v}`).join(' ') : p.params]), { max: 100 }));
    out.push(table(['QUEUE', 'TIME LIMIT'], a.queues.map((q) => [q.name, q.time_limit])));
    process.stdout.write(out.join('\n'));
    return EXIT.ok;
  },
};
