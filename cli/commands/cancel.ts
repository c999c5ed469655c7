import { parse, client, jobId, CONNECTION_HELP, CONNECTION_OPTIONS, type Command } from '../lib/command.js';
import { EXIT } from '../lib/exit-codes.js';

export const cancel: Command = {
  name: 'cancel',
  summary: 'cancel a job that has not finished',
  help: `usage: allgo cancel ID

A waiting job is removed from its queue; a running one is stopped, keeping the files it wrote.
A finished job is left alone.

${CONNECTION_HELP}`,

  async run(args) {
    const parsed = parse(this, args, CONNECTION_OPTIONS, { min: 1, max: 1, names: 'the job id' });
    if (!parsed) return EXIT.ok;
    const { values, positionals } = parsed;
    const id = jobId(positionals[0]);
    const r = await client(values).cancel(id);
    process.stdout.write(r.status === 'aborting' ? `job ${id}: stopping (it was running)\n` : `job ${id}: cancelled before it started\n`);
    return EXIT.ok;
  },
};
