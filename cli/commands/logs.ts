import { followJob } from '../../client/index.js';
import { parse, client, jobId, CONNECTION_HELP, CONNECTION_OPTIONS, type Command } from '../lib/command.js';
import { EXIT } from '../lib/exit-codes.js';

export const logs: Command = {
  name: 'logs',
  summary: "print a job's log (-f: follow it live until the job ends)",
  help: `usage: allgo logs ID [-f]

  -f, --follow     print the log as the job writes it, until the job ends
${CONNECTION_HELP}`,

  async run(args) {
    const parsed = parse(this, args, { ...CONNECTION_OPTIONS, follow: { type: 'boolean', short: 'f' } }, { min: 1, max: 1, names: 'the job id' });
    if (!parsed) return EXIT.ok;
    const { values, positionals } = parsed;
    const id = jobId(positionals[0]);
    const api = client(values);
    if (!values.follow) process.stdout.write(await api.log(id));
    else {
      const j = await followJob(api, id, { onLog: (text) => process.stdout.write(text) });
      process.stderr.write(`allgo: job ${id} ${j.result ?? j.state}${j.message ? `: ${j.message}` : ''}\n`);
    }
    return EXIT.ok;
  },
};
