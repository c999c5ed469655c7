import { parse, client, jobId, CONNECTION_HELP, CONNECTION_OPTIONS, type Command } from '../lib/command.js';
import { EXIT } from '../lib/exit-codes.js';
import { fields, humanBytes, shortTime, table } from '../lib/table.js';

export const job: Command = {
  name: 'job',
  summary: 'show one job: state, result, files',
  help: `usage: allgo job ID [--json]

  --json           the job as JSON (the API's answer), for scripts
${CONNECTION_HELP}`,

  async run(args) {
    const parsed = parse(this, args, { ...CONNECTION_OPTIONS, json: { type: 'boolean' } }, { min: 1, max: 1, names: 'the job id' });
    if (!parsed) return EXIT.ok;
    const { values, positionals } = parsed;
    const j = await client(values).job(jobId(positionals[0]));
    if (values.json) {
      process.stdout.write(JSON.stringify(j, null, 2) + '\n');
      return EXIT.ok;
    }
    const waiting = j.queue_position ? `${j.queue_position} in line` : undefined;
    const out = [
      fields([
        ['job', j.id],
        ['app', `${j.app} ${j.version}`],
        ['params', j.param],
        ['queue', j.queue],
        ['state', j.state],
        ['position', waiting],
        ['result', j.result ?? undefined],
        ['message', j.message ?? undefined],
        ['created', shortTime(j.created_at)],
        ['started', shortTime(j.started_at) ?? undefined],
        ['finished', shortTime(j.finished_at) ?? undefined],
        ['cached', j.cached_from !== undefined ? `served from the result cache of job ${j.cached_from}` : undefined],
        ['re-run of', j.rerun_of !== undefined ? `job ${j.rerun_of}${j.not_reproduced ? ` — not reproduced: ${j.not_reproduced.join(', ')} differ` : ''}` : undefined],
        ['provenance', j.provenance_url],
        ['crate', j.crate_url],
      ]),
    ];
    if (j.files.length) out.push(table(['FILE', 'SIZE', 'URL'], j.files.map((f) => [f.name, humanBytes(f.size), f.url]), { max: 200 }));
    process.stdout.write(out.join('\n'));
    return EXIT.ok;
  },
};
