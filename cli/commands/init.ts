import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse, CliError, UsageError, type Command } from '../lib/command.js';
import { EXIT } from '../lib/exit-codes.js';
import { Prompter } from '../lib/prompt.js';

export interface Scaffold {
  name: string;
  title: string;
  version: string;
  entrypoint: string;
  base: string;
  memory?: number;
  cpus?: number;
  queue?: string;
  contact?: string;
  tags: string[];
}

export const init: Command = {
  name: 'init',
  summary: 'write allgo.yaml and a Dockerfile here, for a new app (providers)',
  help: `usage: allgo init [--name APP] [--entrypoint CMD] [--version V] [--title T] [--base IMAGE]
                  [--memory MB] [--cpus N] [--queue Q] [--contact EMAIL] [--tag TAG]… [--yes] [--force]

Writes allgo.yaml and a Dockerfile in the current directory. What is not given as a flag is
asked on stdin, unless --yes takes the defaults. The Dockerfile copies this directory to
/opt/APP in the image; the entrypoint runs there for each job, in a folder holding the inputs.
Then: "allgo remote APP", commit, "git push allgo main".

  --name APP       the app's name (default: this directory's name)
  --entrypoint CMD the command each job runs, e.g. "/opt/APP/run.sh" (required)
  --version V      the first version label (default 1.0)
  --base IMAGE     the Dockerfile's FROM (default debian:bookworm)
  --yes, -y        ask nothing: take the defaults
  --force          replace an existing allgo.yaml or Dockerfile`,

  async run(args) {
    const parsed = parse(this, args, {
      name: { type: 'string' },
      entrypoint: { type: 'string' },
      version: { type: 'string' },
      title: { type: 'string' },
      base: { type: 'string' },
      memory: { type: 'string' },
      cpus: { type: 'string' },
      queue: { type: 'string' },
      contact: { type: 'string' },
      tag: { type: 'string', multiple: true },
      yes: { type: 'boolean', short: 'y' },
      force: { type: 'boolean' },
    });
    if (!parsed) return EXIT.ok;
    const { values } = parsed;
    // The manifest's own checks, loaded here only: other commands start faster without them.
    const [{ parseManifest, ManifestError }, { isValidAppName, APP_NAME_RULE }, { createValidators }] = await Promise.all([
      import('../../common/manifest.js'),
      import('../../common/names.js'),
      import('../../schemas/index.js'),
    ]);
    const dir = process.cwd();
    if (!values.force) {
      const existing = ['allgo.yaml', 'Dockerfile'].filter((f) => existsSync(join(dir, f)));
      if (existing.length) throw new CliError(`${existing.join(' and ')} already ${existing.length > 1 ? 'exist' : 'exists'} here: edit ${existing.length > 1 ? 'them' : 'it'}, or pass --force to replace ${existing.length > 1 ? 'them' : 'it'}`);
    }

    const prompter = new Prompter();
    const ask = async (flag: string | undefined, question: string, fallback: string | undefined): Promise<string | undefined> =>
      flag ?? (values.yes ? fallback : ((await prompter.ask(question, { default: fallback })) ?? fallback) || undefined);
    let s: Scaffold;
    try {
      const name = (await ask(values.name, 'app name', defaultName(dir, isValidAppName))) ?? '';
      if (!isValidAppName(name)) throw new UsageError(`"${name}" cannot be an app name: ${APP_NAME_RULE}`);
      const title = (await ask(values.title, 'title', name)) ?? name;
      const version = (await ask(values.version, 'version', '1.0')) ?? '1.0';
      const entrypoint = await ask(values.entrypoint, 'entrypoint (run for each job)', guessEntrypoint(dir, name));
      if (!entrypoint) throw new UsageError('an entrypoint is needed: pass --entrypoint "/opt/APP/run.sh", or answer the question');
      const memory = await ask(values.memory, 'memory per job, MB', '1024');
      s = {
        name,
        title,
        version,
        entrypoint,
        base: values.base ?? 'debian:bookworm',
        memory: memory === undefined ? undefined : number(memory, '--memory'),
        cpus: values.cpus === undefined ? undefined : number(values.cpus, '--cpus'),
        queue: values.queue,
        contact: values.contact,
        tags: values.tag ?? [],
      };
    } finally {
      prompter.close();
    }

    const manifest = manifestText(s);
    try {
      parseManifest(manifest, createValidators().manifest);
    } catch (err) {
      if (err instanceof ManifestError) {
        throw new CliError(`these values would not make a valid allgo.yaml: ${err.problems.map((p) => p.replace(/^allgo\.yaml(:\d+)?: /, '')).join('; ')}`, EXIT.usage);
      }
      throw err;
    }
    const flag = values.force ? 'w' : 'wx';
    writeFileSync(join(dir, 'allgo.yaml'), manifest, { flag });
    writeFileSync(join(dir, 'Dockerfile'), dockerfileText(s), { flag });
    process.stdout.write(`wrote allgo.yaml and Dockerfile for ${s.name} ${s.version}\nnext: allgo remote ${s.name} && git add -A && git commit -m "${s.name} ${s.version}" && git push allgo main\n`);
    return EXIT.ok;
  },
};

/** JSON strings are valid YAML double-quoted scalars: every value is written safely quoted. */
const q = (v: string): string => JSON.stringify(v);

export function manifestText(s: Scaffold): string {
  const opt = (set: boolean, line: string, example: string) => (set ? line : `# ${example}`);
  return [
    '# allgo.yaml: what "git push allgo main" publishes. Every field: allgo\'s schemas/allgo.schema.json.',
    '# Each push that changes the app needs a new version label.',
    `version: ${q(s.version)}`,
    '# Run for each job in a folder holding its input files; every file left there is a result.',
    '# Split like a shell would, but no shell runs it. The job\'s parameters are appended.',
    `entrypoint: ${q(s.entrypoint)}`,
    `title: ${q(s.title)}`,
    opt(s.memory !== undefined, `memory: ${s.memory}               # MB per job`, 'memory: 1024               # MB per job'),
    opt(s.cpus !== undefined, `cpus: ${s.cpus}`, 'cpus: 1'),
    opt(!!s.queue, `queue: ${q(s.queue ?? '')}`, 'queue: standard            # default queue of its jobs'),
    opt(!!s.contact, `contact: ${q(s.contact ?? '')}`, 'contact: you@example.org'),
    opt(s.tags.length > 0, `tags: [${s.tags.map(q).join(', ')}]`, 'tags: [demo]'),
    '# description: markdown (default: README.md)',
    '# presets:',
    '#   - {name: example, params: "--help"}',
    '',
  ].join('\n');
}

export function dockerfileText(s: Scaffold): string {
  return [
    '# Built by allgo on each push of main. Jobs run as a non-root user, without network, with a',
    '# read-only root: only their working folder (the inputs, then the results) and /tmp are writable.',
    `FROM ${s.base}`,
    '# Install what the program needs, for example:',
    '# RUN apt-get update && apt-get install -y --no-install-recommends python3 && rm -rf /var/lib/apt/lists/*',
    `COPY . /opt/${s.name}`,
    '',
  ].join('\n');
}

function defaultName(dir: string, isValidAppName: (n: string) => boolean): string {
  const n = basename(dir).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '');
  return isValidAppName(n) ? n : 'my-app';
}

/** The single executable file here, if there is one, as it will be in the image. */
function guessEntrypoint(dir: string, name: string): string | undefined {
  const runnable = readdirSync(dir).filter((f) => !f.startsWith('.') && statSync(join(dir, f)).isFile() && (statSync(join(dir, f)).mode & 0o111) !== 0);
  return runnable.length === 1 ? `/opt/${name}/${runnable[0]}` : undefined;
}

function number(raw: string, flag: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} takes a number, not "${raw}"`);
  return n;
}
