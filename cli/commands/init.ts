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
asked on stdin, in this order, and each answer is checked before the next question; then both
files are shown and written once you say yes. --yes asks nothing and takes the defaults.
The Dockerfile copies this directory to /opt/APP in the image; the entrypoint runs there for
each job, in a folder holding the inputs. Then: "allgo remote APP", commit, "git push allgo main".

  --name APP        the app's name (default: this directory's name)
  --entrypoint CMD  the command each job runs: an absolute path such as "/opt/APP/run.sh", or a
                    command such as "python3 /opt/APP/main.py" (required)
  --version V       the first version label (default 1.0)
  --title T         the catalog's title (default: the name)
  --base IMAGE      the Dockerfile's FROM (default debian:bookworm)
  --memory MB       memory per job (default 1024)
  --cpus N          CPUs per job (default: no limit)
  --queue Q         the queue its jobs go to (default: the platform's default queue)
  --contact EMAIL   who users write to
  --tag TAG         a catalog tag; repeat it, or answer "a, b" when asked
  --yes, -y         ask nothing: take the defaults
  --force           replace an existing allgo.yaml or Dockerfile`,

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
    /**
     * A flag's value, checked; or the question, asked again (at most three times) while its answer
     * is refused, so a typo costs one line rather than the whole dialogue.
     */
    const ask = async <T>(flag: string | undefined, question: string, fallback: string | undefined, check: (answer: string | undefined) => T): Promise<T> => {
      if (flag !== undefined || values.yes) return check(flag ?? fallback);
      for (let attempt = 1; ; attempt++) {
        const answer = ((await prompter.ask(question, { default: fallback })) ?? fallback) || undefined;
        try {
          return check(answer);
        } catch (err) {
          if (!(err instanceof UsageError) || attempt === 3 || answer === undefined) throw err;
          process.stderr.write(`  ${err.message}\n`);
        }
      }
    };
    let s: Scaffold;
    let confirmed = true;
    try {
      const name = await ask(values.name, 'app name', defaultName(dir, isValidAppName), (n = '') => {
        if (!isValidAppName(n)) throw new UsageError(`"${n}" cannot be an app name: ${APP_NAME_RULE}`);
        return n;
      });
      const entrypoint = await ask(values.entrypoint, 'entrypoint (the command run for each job)', guessEntrypoint(dir, name), checkEntrypoint);
      const version = await ask(values.version, 'version', '1.0', (v = '1.0') => v);
      const title = await ask(values.title, 'title', name, (t = name) => t);
      const base = await ask(values.base, 'base image', 'debian:bookworm', (b = 'debian:bookworm') => b);
      const memory = await ask(values.memory, 'memory per job, MB', '1024', (m) => optionalNumber(m, '--memory'));
      const cpus = await ask(values.cpus, 'CPUs per job, if limited', undefined, (c) => optionalNumber(c, '--cpus'));
      const queue = await ask(values.queue, 'queue, if not the default', undefined, (v) => v);
      const contact = await ask(values.contact, 'contact email, if any', undefined, (c) => {
        if (c !== undefined && !/^[^@\s]+@[^@\s]+$/.test(c)) throw new UsageError(`"${c}" is not an email address`);
        return c;
      });
      const tags = values.tag ?? (await ask(undefined, 'tags, separated by commas', undefined, (t = '') => t.split(',').map((x) => x.trim()).filter(Boolean)));
      s = { name, title, version, entrypoint, base, memory, cpus, queue, contact, tags };
      const manifest = checkedManifest(s, (text) => parseManifest(text, createValidators().manifest), ManifestError);
      if (!values.yes && process.stdin.isTTY) {
        process.stderr.write(`\n--- allgo.yaml\n${manifest}--- Dockerfile\n${dockerfileText(s)}---\n`);
        const answer = (await prompter.ask('write these files? [Y/n]')) ?? 'y';
        confirmed = !/^n/i.test(answer.trim());
      }
    } finally {
      prompter.close();
    }
    if (!confirmed) {
      process.stderr.write('allgo: nothing written\n');
      return EXIT.failed;
    }

    const flag = values.force ? 'w' : 'wx';
    writeFileSync(join(dir, 'allgo.yaml'), manifestText(s), { flag });
    writeFileSync(join(dir, 'Dockerfile'), dockerfileText(s), { flag });
    process.stdout.write(`wrote allgo.yaml and Dockerfile for ${s.name} ${s.version}\nnext: allgo remote ${s.name} && git add -A && git commit -m "${s.name} ${s.version}" && git push allgo main\n`);
    return EXIT.ok;
  },
};

/** The manifest text, refused in the words of the manifest's own checks if the platform would refuse it. */
function checkedManifest(s: Scaffold, check: (text: string) => unknown, ManifestError: new (...a: never[]) => Error & { problems: string[] }): string {
  const manifest = manifestText(s);
  try {
    check(manifest);
  } catch (err) {
    if (err instanceof ManifestError) {
      throw new CliError(`these values would not make a valid allgo.yaml: ${err.problems.map((p) => p.replace(/^allgo\.yaml(:\d+)?: /, '')).join('; ')}`, EXIT.usage);
    }
    throw err;
  }
  return manifest;
}

/**
 * An entrypoint is run without a shell: its first word must be a program, an absolute path
 * ("/opt/app/run.sh") or a command name ("python3"). A title typed in the wrong place
 * ("Word Count") is neither.
 */
function checkEntrypoint(entrypoint: string | undefined): string {
  if (!entrypoint) throw new UsageError('an entrypoint is needed: pass --entrypoint "/opt/APP/run.sh", or answer the question');
  const program = entrypoint.trim().split(/\s+/)[0];
  if (!program.startsWith('/') && !/^[a-z0-9][a-z0-9._+-]*$/.test(program)) {
    throw new UsageError(`"${entrypoint}" is not a command: an entrypoint starts with an absolute path ("/opt/app/run.sh") or a command name ("python3 /opt/app/main.py")`);
  }
  return entrypoint.trim();
}

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

function optionalNumber(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} takes a number, not "${raw}"`);
  return n;
}
