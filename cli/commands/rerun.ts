import { parse, client, jobId, CONNECTION_HELP, CONNECTION_OPTIONS, type Command } from '../lib/command.js';
import { EXIT } from '../lib/exit-codes.js';

export const rerun: Command = {
  name: 'rerun',
  summary: 'run a job again: same version, parameters and inputs',
  help: `usage: allgo rerun ID [--version V] [--queue Q]

Submits job ID again with the same parameters and input files (copied on the server), and
prints the new job's id. It always runs, even for an app that caches results. A re-run on the
same version whose outputs differ from the original's is flagged "not reproduced" (allgo job).

  --version V      another version of the app (default: the one the job ran)
  --queue Q        another queue (default: the job's)
${CONNECTION_HELP}`,

  async run(args) {
    const parsed = parse(this, args, { ...CONNECTION_OPTIONS, version: { type: 'string' }, queue: { type: 'string' } }, { min: 1, max: 1, names: 'the job id' });
    if (!parsed) return EXIT.ok;
    const { values, positionals } = parsed;
    const id = jobId(positionals[0]);
    const created = await client(values).rerun(id, { ...(values.version ? { version: values.version } : {}), ...(values.queue ? { queue: values.queue } : {}) });
    process.stdout.write(`${created.id}\n`);
    process.stderr.write(`job ${created.id}: re-run of job ${id} (allgo job ${created.id})\n`);
    return EXIT.ok;
  },
};
