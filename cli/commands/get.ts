import { resolve } from 'node:path';
import { parse, client, jobId, CliError, CONNECTION_HELP, CONNECTION_OPTIONS, type Command } from '../lib/command.js';
import { EXIT } from '../lib/exit-codes.js';

export const get: Command = {
  name: 'get',
  summary: "download a finished job's files",
  help: `usage: allgo get ID [--out DIR] [--inputs]

Saves the job's results and allgo.log into DIR, replacing files of the same name, and prints
their paths. The input files it was given are left out, unless --inputs.

  --out DIR        where to save them (default: the current directory)
  --inputs         also save the job's input files
${CONNECTION_HELP}`,

  async run(args) {
    const parsed = parse(this, args, { ...CONNECTION_OPTIONS, out: { type: 'string' }, inputs: { type: 'boolean' } }, { min: 1, max: 1, names: 'the job id' });
    if (!parsed) return EXIT.ok;
    const { values, positionals } = parsed;
    const id = jobId(positionals[0]);
    const api = client(values);
    const j = await api.job(id);
    if (j.state === 'archived') throw new CliError(`the files of job ${id} have expired (only its record is kept)`);
    if (j.state !== 'done') throw new CliError(`job ${id} is ${j.state}: its files are not final yet; wait with "allgo logs ${id} -f"`);
    const skip = values.inputs ? [] : j.files.filter((f) => f.kind === 'input').map((f) => f.name);
    const saved = await api.downloadAll(j, resolve(values.out ?? '.'), { skip });
    for (const s of saved) process.stdout.write(`${s.path}\n`);
    return EXIT.ok;
  },
};
