// Which images a Dockerfile may build from, decided before the build:
//   every FROM (ARG defaults substituted) and every COPY/ADD --from naming an image
//   → a stage of this Dockerfile, an allgo app image the pusher may use (by name or by id),
//     or a base image the config allows; anything else, or anything not resolvable here, is refused.
// The Dockerfile the builder gets is written out from what was checked: each instruction on one
// line (the line it started on, so the engine's errors name the provider's lines), each image
// reference replaced by the literal it resolved to (an app image by its id), so the engine
// never resolves a name allgo did not resolve first.
import { DockerfileRefusal, KEYWORDS, flagValue, splitInstruction, type Instruction, type ParsedDockerfile } from './parse.js';
import { matchesPattern, parseImageRef } from './image-ref.js';
import { isValidAppName } from '../../../common/names.js';

export interface ImagePolicy {
  /** Patterns of allowed base images (config builder.base_images). */
  baseImages: readonly string[];
  /** What allgo/<app>:<version> resolves to (its image id, or its digest in the registry) if the pusher may build on it, else null. */
  appImage(app: string, version: string): string | null;
  /** Whether an image id is an allgo app's, and if so whether the pusher may build on it. */
  imageId(id: string): 'usable' | 'forbidden' | 'unknown';
}

export interface CheckedDockerfile {
  /** The Dockerfile to build. */
  text: string;
  /** The images it builds from, resolved (for the log). */
  images: string[];
}

type Scope = Map<string, string | null>;

const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

export function checkDockerfile(df: ParsedDockerfile, policy: ImagePolicy): CheckedDockerfile {
  // Comment and continuation lines stay as blank lines. Directives can only be at the top, so
  // line 1 is free for the escape directive when there is one (the syntax directive is dropped).
  const out: string[] = new Array<string>(df.lineCount).fill('');
  if (df.escape === '`') out[0] = '# escape=`';
  const images: string[] = [];
  const globals: Scope = new Map();
  let stageArgs: Scope | null = null;
  const stages: string[] = [];
  const refuse = (code: DockerfileRefusal['code'], ins: Pick<Instruction, 'line'>, message: string) => new DockerfileRefusal(code, ins.line, message);

  /** An image reference, resolved to what the builder is given, or refused. */
  const image = (value: string, ins: Instruction, what: string): string => {
    if (value === 'scratch') return value;
    const ref = parseImageRef(value);
    const allowed = `allowed: ${policy.baseImages.join(', ') || '(no base image)'} (builder.base_images), or allgo/<app>:<version> of a public app or one of yours`;
    if (!ref) throw refuse('image_not_allowed', ins, `${what} "${value}" is not a valid image name`);
    if (ref.kind === 'short-id') throw refuse('image_not_allowed', ins, `${what} "${value}": name images by their full id (sha256: and 64 hex digits), never a short one`);
    const byId = (id: string): string => {
      if (policy.imageId(id) === 'usable') return id;
      throw refuse('image_not_allowed', ins, `${what} ${id}: by id, only the images of public apps and of your own can be built on; ${allowed}`);
    };
    if (ref.kind === 'id') return byId(ref.id);
    if (ref.digest && policy.imageId(ref.digest) !== 'unknown') return byId(ref.digest);
    const [first, ...more] = ref.name.split('/');
    if (first === 'allgo') {
      if (more.length !== 1 || !isValidAppName(more[0]) || !ref.tag || ref.digest) {
        throw refuse('image_not_allowed', ins, `${what} "${value}": name an app's image as allgo/<app>:<version>`);
      }
      const id = policy.appImage(more[0], ref.tag);
      if (!id) throw refuse('image_not_allowed', ins, `${what} ${ref.name}:${ref.tag}: no ready version "${ref.tag}" of an app "${more[0]}" you may build on; ${allowed}`);
      return id;
    }
    // allgo's own tags (allgo-<installation>/…) are never a base, whatever the allow-list says.
    if (/^allgo[^a-z0-9]/.test(first)) throw refuse('image_not_allowed', ins, `${what} "${value}": names starting with "allgo" are allgo's own; name an app's image as allgo/<app>:<version>`);
    if (policy.baseImages.some((p) => matchesPattern(ref.familiar, p))) return ref.familiar;
    throw refuse('image_not_allowed', ins, `${what} ${ref.familiar} is not an allowed base image; ${allowed}`);
  };

  /** $NAME, ${NAME}, ${NAME:-word}, ${NAME:+word} from ARG defaults; anything else is refused. */
  const expand = (word: string, scope: Scope, ins: Instruction, what: string): string => {
    if (/["'\\`]/.test(word)) throw refuse('image_unresolved', ins, `${what} "${word}": write image names without quotes or escapes`);
    let result = '';
    for (let i = 0; i < word.length; ) {
      if (word[i] !== '$') {
        result += word[i++];
        continue;
      }
      const braced = word[i + 1] === '{';
      const body = braced ? /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:[-+])([^${}]*))?\}/.exec(word.slice(i)) : /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(word.slice(i));
      if (!body) throw refuse('image_unresolved', ins, `${what} "${word}": only $NAME, \${NAME}, \${NAME:-default} and \${NAME:+alternative} can be resolved before the build`);
      const [all, name, op, alt] = body;
      i += all.length;
      const declared = scope.has(name);
      const value = scope.get(name) ?? null;
      if (op === ':-') result += value ? value : alt;
      else if (op === ':+') result += value ? alt : '';
      else if (!declared) throw refuse('image_unresolved', ins, `${what} "${word}": $${name} is not an ARG declared before it, so the image cannot be known before the build`);
      else if (value === null) throw refuse('image_unresolved', ins, `${what} "${word}": ARG ${name} has no default (or one allgo cannot read), and allgo passes no build arguments: give it a plain default`);
      else result += value;
    }
    return result;
  };

  /** Declares ARGs into a scope; a default allgo cannot read stays unresolved (null). */
  const declare = (ins: Instruction, scope: Scope) => {
    for (const token of ins.args.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? []) {
      const name = NAME.exec(token)?.[0];
      if (!name) continue;
      if (token.length === name.length) {
        // Inside a stage, a bare ARG brings in the global value.
        scope.set(name, scope === globals ? null : (globals.get(name) ?? null));
        continue;
      }
      if (token[name.length] !== '=') continue;
      let raw = token.slice(name.length + 1);
      const quoted = /^"([^"]*)"$|^'([^']*)'$/.exec(raw);
      if (quoted) raw = quoted[1] ?? quoted[2];
      let value: string | null = null;
      try {
        value = /["'\\`]/.test(raw) ? null : expand(raw, scope, ins, 'ARG');
      } catch {
        value = null;
      }
      scope.set(name, value);
    }
  };

  /** A --from value: an earlier stage (by name or index) stays as it is; anything else is an image. */
  const from = (value: string, ins: Instruction): string => {
    const resolved = expand(value, stageArgs ?? globals, ins, `${ins.keyword.toUpperCase()} --from`);
    const lower = resolved.toLowerCase();
    const earlier = stages.slice(0, -1);
    if (/^\d+$/.test(resolved) && Number(resolved) < earlier.length) return resolved;
    if (earlier.includes(lower)) return lower;
    const id = image(resolved, ins, `${ins.keyword.toUpperCase()} --from`);
    images.push(id);
    return id;
  };

  for (const ins of df.instructions) {
    const kw = ins.keyword.toUpperCase();
    const emit = (line: string) => void (out[ins.line - 1] = line);
    if (!KEYWORDS.has(ins.keyword)) {
      emit(ins.text);
      continue;
    }
    if (ins.keyword === 'arg') {
      declare(ins, stageArgs ?? globals);
      emit(ins.text);
      continue;
    }
    if (ins.keyword === 'from') {
      const platform = flagValue(ins, 'platform', ins.line);
      if (ins.flags.length > (platform === undefined ? 0 : 1)) throw refuse('dockerfile_syntax', ins, `FROM takes no flag but --platform`);
      const words = ins.args.split(/[ \t]+/).filter(Boolean);
      if (words.length !== 1 && !(words.length === 3 && words[1].toLowerCase() === 'as')) throw refuse('dockerfile_syntax', ins, 'FROM takes an image and optionally "AS name"');
      const stage = words.length === 3 ? words[2].toLowerCase() : '';
      if (stage && !STAGE_NAME.test(stage)) throw refuse('dockerfile_syntax', ins, `FROM … AS ${words[2]}: stage names are letters, digits, -, _ and ., starting with a letter`);
      const value = expand(words[0], globals, ins, 'FROM');
      // An earlier stage's name is that stage, as in the engine; anything else is an image.
      const base = stages.includes(value.toLowerCase()) && value.toLowerCase() !== '' ? value.toLowerCase() : image(value, ins, 'FROM');
      if (!stages.includes(base)) images.push(base);
      stages.push(stage);
      stageArgs = new Map();
      emit(`FROM ${platform !== undefined ? `--platform=${platform} ` : ''}${base}${stage ? ` AS ${stage}` : ''}`);
      continue;
    }
    if (stageArgs === null) throw refuse('dockerfile_syntax', ins, `${kw} before the first FROM: only ARG may come before it`);
    if (ins.keyword === 'copy' || ins.keyword === 'add') {
      const value = flagValue(ins, 'from', ins.line);
      if (value === undefined) {
        emit(ins.text);
        continue;
      }
      const flags = ins.flags.map((f) => (f.startsWith('--from=') ? `--from=${from(value, ins)}` : f));
      emit([kw, ...flags, ins.args].join(' '));
      continue;
    }
    if (ins.keyword === 'run' && ins.flags.length) throw refuse('dockerfile_syntax', ins, `RUN ${ins.flags[0]}: RUN flags need BuildKit, and allgo builds with the engine's classic builder`);
    if (ins.keyword === 'onbuild') {
      // A trigger runs in another app's build, where nothing here would check it.
      const inner = splitInstruction(ins.args, ins.line);
      if (['from', 'onbuild', 'maintainer'].includes(inner.keyword)) throw refuse('dockerfile_syntax', ins, `ONBUILD ${inner.keyword.toUpperCase()} is not allowed`);
      if (inner.flags.some((f) => f.startsWith('--from')) || (inner.keyword === 'run' && inner.flags.length)) {
        throw refuse('image_not_allowed', ins, `ONBUILD ${inner.keyword.toUpperCase()} ${inner.flags.join(' ')}: a trigger may not name another image or stage`);
      }
    }
    emit(ins.text);
  }
  return { text: out.join('\n').replace(/\n*$/, '\n'), images };
}
