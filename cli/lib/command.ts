// What every client command shares: its help, argument parsing with node:util's parseArgs,
// the --url/--token flags, and the one place errors become a readable line and an exit code.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AllgoClient, ApiError, type Credentials } from '../../client/index.js';
import { EXIT } from './exit-codes.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

export interface Command {
  name: string;
  /** One line, for `allgo --help`. */
  summary: string;
  /** The full `allgo <name> --help`. */
  help: string;
  run(args: string[]): Promise<number>;
}

/** A mistake on the command line: printed with the command's usage line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A failure with a message already fit for the user, and its exit code. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }
}

export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
} as const satisfies Options;

export const CONNECTION_HELP = `  --url URL        the server (default: ALLGO_URL, then the one "allgo login" saved)
  --token TOKEN    the API token (default: ALLGO_TOKEN, ~/.allgo_token, then "allgo login")`;

/**
 * Parses a command's arguments. `--help` prints its help and yields null: the caller returns 0.
 * Positionals beyond `positionals.max` and unknown flags are usage errors.
 */
export function parse<const O extends Options>(
  cmd: Pick<Command, 'help'>,
  args: string[],
  options: O,
  positionals: { min?: number; max?: number; names?: string } = {},
): Parsed<O> | null {
  let parsed;
  try {
    parsed = parseArgs({ args: attachValues(args, options), options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(cmd.help.trimEnd() + '\n');
    return null;
  }
  const n = parsed.positionals.length;
  if (n < (positionals.min ?? 0)) throw new UsageError(`missing ${positionals.names ?? 'argument'}`);
  if (n > (positionals.max ?? 0)) throw new UsageError(`unexpected argument "${parsed.positionals[positionals.max ?? 0]}"`);
  return parsed as never;
}

/**
 * `--param -q` becomes `--param=-q`: a string option takes the next word as its value whatever it
 * starts with, since nearly every scientific tool's options start with "-". parseArgs alone calls
 * that value ambiguous.
 */
export function attachValues(args: string[], options: Options): string[] {
  // How each flag that takes a value joins it: "--name=value", or "-nvalue" for a short flag.
  const join = new Map<string, (v: string) => string>();
  for (const [name, o] of Object.entries(options)) {
    if (o.type !== 'string') continue;
    join.set(`--${name}`, (v) => `--${name}=${v}`);
    if (o.short) join.set(`-${o.short}`, (v) => `-${o.short}${v}`);
  }
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    const attach = join.get(a);
    if (attach && i + 1 < args.length && (a.startsWith('--') || args[i + 1] !== '')) {
      out.push(attach(args[++i]));
      continue;
    }
    out.push(a);
  }
  return out;
}

export function client(values: { url?: string; token?: string }): AllgoClient {
  return new AllgoClient({ url: values.url, token: values.token });
}

/** A job id from the command line. */
export function jobId(raw: string): number {
  if (!/^\d+$/.test(raw)) throw new UsageError(`"${raw}" is not a job id: give its number, as "allgo jobs" lists them`);
  return Number(raw);
}

/**
 * The server's messages point API users to routes ("GET /api/v1/apps lists them"); at the
 * command line the command that shows the same thing is meant.
 */
const CLI_EQUIVALENTS: [RegExp, (...groups: string[]) => string][] = [
  [/\(GET \/api\/v1\/apps lists them\)/g, () => '("allgo apps" lists them)'],
  [/\(GET \/api\/v1\/apps\/([^\s)]+) lists them\)/g, (app) => `("allgo app ${decodeURIComponent(app)}" lists them)`],
  [/\bjob\[param\]: /g, () => '--param: '],
];

function inCliWords(message: string): string {
  return CLI_EQUIVALENTS.reduce((m, [re, say]) => m.replace(re, (_all, ...g: string[]) => say(...g)), message);
}

/** The readable line and exit code for any error a command let through. */
export function describeError(err: unknown, creds?: Credentials): { line: string; code: number } {
  if (err instanceof CliError) return { line: err.message, code: err.exitCode };
  if (err instanceof ApiError) {
    if (err.code === 'no_credentials') return { line: err.message, code: EXIT.auth };
    if (err.status === 401) {
      const from = creds?.from.token ? ` (from ${creds.from.token === 'flag' ? '--token' : creds.from.token})` : '';
      return { line: `${creds?.url ?? 'the server'} refused the token${from}: run "allgo login" or set ALLGO_TOKEN`, code: EXIT.auth };
    }
    if (err.code === 'unreachable') {
      const from = creds ? `URL from ${creds.from.url === 'flag' ? '--url' : creds.from.url}; ` : '';
      return { line: `${err.message}: is the server running? (${from}change it with --url, ALLGO_URL or "allgo login")`, code: EXIT.failed };
    }
    if (err.code === 'bad_config') return { line: err.message, code: EXIT.usage };
    return { line: inCliWords(err.message), code: EXIT.failed };
  }
  const e = err as NodeJS.ErrnoException;
  if (e?.code && e.path) return { line: `${e.path}: ${e.code}`, code: EXIT.failed };
  return { line: `unexpected error: ${(err as Error)?.message ?? String(err)}`, code: EXIT.failed };
}
