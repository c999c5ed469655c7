// A Dockerfile read the way the engine reads it (the classic builder uses buildkit's parser:
// parser directives, comments, line continuations, then keyword, `--flags` and arguments),
// but stricter: whatever two parsers could read differently is refused with the line, not
// guessed. check-images.ts then writes the Dockerfile back out one instruction per line, so
// the builder sees the instruction boundaries this parser saw, never its own. Instructions it
// does not know are left to the engine, which refuses them before running any step.

type EscapeChar = '\\' | '`';

export interface Instruction {
  /** Lower-case, as Docker dispatches it. */
  keyword: string;
  /** The leading `--name[=value]` words, as written. */
  flags: string[];
  /** What follows the keyword and flags, trimmed. */
  args: string;
  /** First physical line of the instruction, from 1. */
  line: number;
  /** The whole instruction, continuations joined and comments left out, trimmed. */
  text: string;
}

export interface ParsedDockerfile {
  escape: EscapeChar;
  instructions: Instruction[];
  /** Physical lines, so a rewritten Dockerfile can keep each instruction on its line. */
  lineCount: number;
}

/** A Dockerfile allgo refuses to build, with the line and a stable code. */
export class DockerfileRefusal extends Error {
  override name = 'DockerfileRefusal';
  constructor(
    readonly code: 'dockerfile_syntax' | 'image_not_allowed' | 'image_unresolved',
    readonly line: number | null,
    message: string,
  ) {
    super(message);
  }
}

const syntax = (line: number | null, message: string) => new DockerfileRefusal('dockerfile_syntax', line, message);

/** Instructions the classic builder knows; it refuses any other before the build starts. */
export const KEYWORDS = new Set(['add', 'arg', 'cmd', 'copy', 'entrypoint', 'env', 'expose', 'from', 'healthcheck', 'label', 'maintainer', 'onbuild', 'run', 'shell', 'stopsignal', 'user', 'volume', 'workdir']);

/**
 * Control characters and the spaces that are not ASCII: Go's unicode.IsSpace and Docker's
 * byte-wise flag scanner treat some of them as separators, so a Dockerfile holding one could
 * split differently there than here. No real Dockerfile needs them.
 */
// eslint-disable-next-line no-control-regex
const UNUSUAL = /[\u0000-\u0008\u000B-\u001F\u007F\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF]/;
const DIRECTIVE = /^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$/;
/** The longest instruction once its lines are joined: the engine reads at most 64 KiB per line. */
const MAX_INSTRUCTION_CHARS = 60_000;
const FLAG = /^--[a-z][a-z0-9-]*(=[A-Za-z0-9._:/@,+=${}%*-]*)?$/;

const ltrim = (s: string): string => s.replace(/^[ \t]+/, '');

export function parseDockerfile(bytes: Buffer): ParsedDockerfile {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw syntax(null, 'the Dockerfile is not valid UTF-8');
  }
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  lines.forEach((l, i) => {
    const m = UNUSUAL.exec(l) ?? (l.includes('\r') ? ['\r'] : null);
    if (m) throw syntax(i + 1, `character U+${m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} is not allowed in a Dockerfile; use plain spaces and tabs`);
  });

  let escape: EscapeChar = '\\';
  let directivesDone = false;
  const seen = new Set<string>();
  const directive = (l: string, n: number) => {
    if (directivesDone) return;
    const m = DIRECTIVE.exec(l);
    const name = m?.[1].toLowerCase();
    if (!m || (name !== 'escape' && name !== 'syntax')) {
      directivesDone = true;
      return;
    }
    if (seen.has(name)) throw syntax(n, `only one ${name} parser directive can be used`);
    seen.add(name);
    if (name === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`') throw syntax(n, `escape directive: "${m[2]}" is neither \\ nor \``);
      escape = m[2];
    }
  };
  const continued = (l: string): [string, boolean] => {
    const re = escape === '\\' ? /\\[ \t]*$/ : /`[ \t]*$/;
    return re.test(l) ? [l.replace(re, ''), true] : [l, false];
  };

  const instructions: Instruction[] = [];
  for (let i = 0; i < lines.length; i++) {
    const first = ltrim(lines[i]);
    directive(first, i + 1);
    const start = i + 1;
    let [joined, more] = continued(first.startsWith('#') ? '' : first);
    if (!more && joined === '') continue;
    while (more && i + 1 < lines.length) {
      i++;
      const raw = lines[i];
      directive(raw, i + 1);
      const t = ltrim(raw);
      // As in the engine: comment and blank lines inside a continuation are skipped.
      if (t.startsWith('#') || t === '') continue;
      const [frag, again] = continued(raw);
      joined += frag;
      more = again;
    }
    if (joined.length > MAX_INSTRUCTION_CHARS) throw syntax(start, `the instruction is over ${MAX_INSTRUCTION_CHARS} characters once its lines are joined`);
    instructions.push({ ...splitInstruction(joined, start), line: start });
  }
  if (instructions.length === 0) throw syntax(null, 'the Dockerfile has no instructions');
  return { escape, instructions, lineCount: lines.length };
}

/** Keyword, flags and arguments of one logical line (also used for what follows ONBUILD). */
export function splitInstruction(line: string, n: number): Omit<Instruction, 'line'> {
  const text = line.trim();
  const m = /^(\S+)(?:[ \t]+([\s\S]*))?$/.exec(text);
  if (!m) throw syntax(n, 'empty instruction');
  const keyword = m[1].toLowerCase();
  const rest = m[2] ?? '';
  const flags: string[] = [];
  let pos = 0;
  for (;;) {
    while (rest[pos] === ' ' || rest[pos] === '\t') pos++;
    if (!rest.startsWith('--', pos)) break;
    let end = pos;
    while (end < rest.length && rest[end] !== ' ' && rest[end] !== '\t') end++;
    const word = rest.slice(pos, end);
    pos = end;
    if (word === '--') break;
    if (!FLAG.test(word)) throw syntax(n, `${keyword.toUpperCase()} flag ${JSON.stringify(word)}: write flags as --name=value, without quotes, backslashes or unusual characters`);
    flags.push(word);
  }
  return { keyword, flags, args: rest.slice(pos).trim(), text };
}

/** A flag's value by name (`--from=x` → "x"), undefined when absent; refuses repeats. */
export function flagValue(ins: Pick<Instruction, 'flags' | 'keyword'>, name: string, n: number): string | undefined {
  const found = ins.flags.filter((f) => f === `--${name}` || f.startsWith(`--${name}=`));
  if (found.length > 1) throw syntax(n, `${ins.keyword.toUpperCase()}: --${name} is given ${found.length} times`);
  if (found.length === 0) return undefined;
  const eq = found[0].indexOf('=');
  if (eq < 0) throw syntax(n, `${ins.keyword.toUpperCase()}: --${name} needs a value (--${name}=…)`);
  return found[0].slice(eq + 1);
}
