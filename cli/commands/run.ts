import { stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { App, inputName, type AllgoClient, type FinishedJob, type JobCreated, type Preset } from '../../client/index.js';
import { parse, client, CliError, UsageError, CONNECTION_HELP, CONNECTION_OPTIONS, type Command } from '../lib/command.js';
import { EXIT, exitCodeOf } from '../lib/exit-codes.js';
import { jobProgressLine, progressBar } from '../lib/progress.js';
import { parseSets } from '../lib/set-values.js';
import { parametersHelp } from '../lib/params-help.js';

export const run: Command = {
  name: 'run',
  summary: 'submit a job (--wait: stream its log, then download its results)',
  help: `usage: allgo run APP [FILE…] [--set ID=VALUE … | --param "…" | --preset NAME] [--version V]
                 [--queue Q] [--wait [--out DIR]]
       allgo run APP --help-params [--version V]

Uploads the files as the job's inputs. Without --wait, prints the job's id and returns.

  --set ID=VALUE   a typed parameter's value (repeat it: once per parameter, or per item of a
                   list); ID=@PATH uploads a file for a file parameter (@@ for a leading @)
  --help-params    the app's typed parameters (of --version, default the latest), as a --help
  --param "…"      the parameter string, split like a shell would on the server
  --preset NAME    use one of the app's presets (see "allgo app APP")
  --version V      default: the app's default version (allgo releases APP)
  --queue Q        default: the app's queue
  --wait           stream the log to stdout (its reported progress to stderr) until the job
                   ends, then download its results (its inputs excepted) and exit 0 only if
                   it succeeded (4 error, 5 timeout, 6 cancelled)
  --out DIR        where --wait saves the results (default: the current directory)
${CONNECTION_HELP}`,

  async run(args) {
    const parsed = parse(
      this,
      args,
      {
        ...CONNECTION_OPTIONS,
        param: { type: 'string' },
        set: { type: 'string', multiple: true },
        'help-params': { type: 'boolean' },
        preset: { type: 'string' },
        version: { type: 'string' },
        queue: { type: 'string' },
        wait: { type: 'boolean' },
        out: { type: 'string' },
      },
      { min: 1, max: Infinity, names: 'the app name' },
    );
    if (!parsed) return EXIT.ok;
    const { values, positionals } = parsed;
    const [name, ...files] = positionals;
    if (values['help-params']) return helpParams(client(values), name, values.version);
    if (values.param !== undefined && values.preset !== undefined) throw new UsageError('give --param or --preset, not both');
    if (values.set && values.preset !== undefined) throw new UsageError('give --set or --preset, not both');
    if (values.out !== undefined && !values.wait) throw new UsageError('--out is for --wait (or use "allgo get ID --out DIR" later)');
    const total = await inputSize(files);
    const api = client(values);
    const sets = values.set ? parseSets(values.set) : null;
    const params = sets ?? (values.preset !== undefined ? await presetParams(api, name, values.preset) : values.param);
    const freeParams = sets ? values.param : undefined;

    const bar = progressBar(process.stderr, total + (sets ? await inputSize(Object.values(sets).flat().flatMap((v) => (typeof v === 'string' ? [] : [v.path]))) : 0));
    const common = { files, params, freeParams, version: values.version, queue: values.queue, onUploadProgress: bar ? bar.update : undefined };
    if (!values.wait) {
      const submitted = await api.submit({ app: name, ...common }).finally(() => bar?.done());
      process.stdout.write(`${submitted.id}\n`);
      process.stderr.write(`allgo: job ${submitted.id} submitted; follow it with "allgo logs ${submitted.id} -f"\n`);
      return EXIT.ok;
    }

    const outDir = resolve(values.out ?? '.');
    let submitted: JobCreated | null = null;
    // Ctrl-C leaves the job running on the server, and says how to get back to it.
    const onInterrupt = () => {
      process.stderr.write(submitted ? `\nallgo: job ${submitted.id} goes on; "allgo logs ${submitted.id} -f" follows it, "allgo cancel ${submitted.id}" stops it\n` : '\n');
      process.exit(130);
    };
    process.once('SIGINT', onInterrupt);
    let job: FinishedJob;
    try {
      job = await new App(name, api).run({
        ...common,
        outDir,
        onSubmitted: (s) => {
          submitted = s;
          bar?.done();
          process.stderr.write(`allgo: job ${s.id} submitted; waiting for it to finish (Ctrl-C leaves it running)\n`);
        },
        onLog: (text) => process.stdout.write(text),
        // On stderr, a line per change: the job's own output keeps stdout, and its lines interleave.
        onProgress: (p) => process.stderr.write(`allgo: ${jobProgressLine(p.percent, p.stage)}\n`),
      });
    } finally {
      bar?.done();
      process.off('SIGINT', onInterrupt);
    }
    const saved = job.outputs.map((o) => relative(process.cwd(), o.path) || o.path);
    const outcome = job.result === 'success' ? 'succeeded' : `ended with ${job.result ?? job.state}${job.message ? `: ${job.message}` : ''}`;
    process.stderr.write(`allgo: job ${job.id} ${outcome}${saved.length ? `; saved ${saved.join(', ')}` : ''}\n`);
    return exitCodeOf(job.result);
  },
};

async function inputSize(files: string[]): Promise<number> {
  let total = 0;
  const names = new Set<string>();
  for (const f of files) {
    const s = await stat(f).catch(() => null);
    if (!s?.isFile()) throw new CliError(`${f}: no such file (inputs are files; a folder can be sent as an archive)`, EXIT.usage);
    if (names.has(inputName(f))) throw new CliError(`two inputs are named ${inputName(f)}: the job's folder is flat, so rename one`, EXIT.usage);
    names.add(inputName(f));
    total += s.size;
  }
  return total;
}

/** A preset's values: typed ones when it has them, else its free text. */
async function presetParams(api: AllgoClient, app: string, preset: string): Promise<string | NonNullable<Preset['values']>> {
  const found = (await api.app(app)).presets;
  const p = found.find((x) => x.name === preset);
  if (!p) throw new CliError(`${app} has no preset "${preset}"${found.length ? `: use one of ${found.map((x) => x.name).join(', ')}` : ' (it has none)'}`, EXIT.usage);
  return p.values ?? p.params;
}

async function helpParams(api: AllgoClient, app: string, version: string | undefined): Promise<number> {
  const detail = await api.app(app);
  const label = version ?? detail.latest_version;
  const v = detail.versions.find((x) => x.version === label);
  if (!v) throw new CliError(label ? `${app} has no version "${label}"` : `${app} has no ready version yet`, EXIT.usage);
  process.stdout.write(parametersHelp(detail.name, v));
  return EXIT.ok;
}
