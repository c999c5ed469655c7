// A published version as a Boutiques descriptor (schema-version 0.5): a command-line template
// with one value-key per parameter, in argv order, and the inputs typed as Boutiques types
// them. What Boutiques cannot say (patterns, extensions, a flag repeated per value, secrets,
// how outputs are collected) goes in `custom`, under allgo's names.
import type { ManifestParameter } from '../../schemas/index.js';
import { baseArgv, inArgvOrder } from '../../common/parameters/build-argv.js';
import { choiceOf } from '../../common/parameters/input-schema.js';
import type { ToolFacts } from './cwl.js';

type Json = Record<string, unknown>;

const valueKey = (p: ManifestParameter): string => `[${p.id.toUpperCase()}]`;

/** A shell word for the template (Boutiques' command line is a template run by a shell). */
const quote = (word: string): string => (/^[A-Za-z0-9_./:=,@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

function input(p: ManifestParameter): Json {
  const type = p.type === 'boolean' ? 'Flag' : p.type === 'file' ? 'File' : p.type === 'integer' || p.type === 'number' ? 'Number' : 'String';
  return {
    id: p.id,
    name: p.label ?? p.id,
    type,
    ...(p.help ? { description: p.help } : {}),
    'value-key': valueKey(p),
    ...(p.list ? { list: true } : {}),
    ...(p.list && p.item_separator !== undefined ? { 'list-separator': p.item_separator } : {}),
    optional: !p.required,
    ...(p.flag ? { 'command-line-flag': p.flag } : {}),
    ...(p.flag && p.separate === false && type !== 'Flag' ? { 'command-line-flag-separator': '=' } : {}),
    ...(p.default !== undefined ? { 'default-value': p.default } : {}),
    ...(p.type === 'enum' ? { 'value-choices': (p.choices ?? []).map((c) => choiceOf(c).value) } : {}),
    ...(p.type === 'integer' ? { integer: true } : {}),
    ...(p.minimum !== undefined ? { minimum: p.minimum } : {}),
    ...(p.maximum !== undefined ? { maximum: p.maximum } : {}),
    ...(p.list && p.min_items !== undefined ? { 'min-list-entries': p.min_items } : {}),
    ...(p.list && p.max_items !== undefined ? { 'max-list-entries': p.max_items } : {}),
  };
}

/** Per parameter, what only allgo knows. */
function customOf(p: ManifestParameter): Json | null {
  const out: Json = {};
  for (const f of ['min_length', 'max_length', 'pattern', 'accept', 'secret', 'group', 'position'] as const) if (p[f] !== undefined) out[f] = p[f];
  if (p.list && p.flag && p.item_separator === undefined) out.repeat_flag = true;
  if (p.type === 'enum' && p.choices?.some((c) => typeof c !== 'string')) out.choice_labels = Object.fromEntries((p.choices ?? []).map((c) => [choiceOf(c).value, choiceOf(c).label]));
  return Object.keys(out).length ? out : null;
}

export function boutiquesDescriptor(t: ToolFacts): Json {
  const m = t.manifest;
  const params = inArgvOrder(m.parameters ?? []);
  const free = !m.parameters || m.free_params === true;
  const line = [...baseArgv(m).map(quote), ...params.map(valueKey), ...(free ? ['[FREE_PARAMS]'] : [])].join(' ');
  const perParameter = Object.fromEntries(params.flatMap((p) => (customOf(p) ? [[p.id, customOf(p)]] : [])));
  return {
    name: t.app,
    'tool-version': t.version,
    description: m.title ?? t.app,
    'command-line': line,
    'schema-version': '0.5',
    'container-image': { type: 'docker', image: t.image },
    inputs: [
      ...params.map(input),
      ...(free ? [{ id: 'free_params', name: 'Free-text arguments', type: 'String', 'value-key': '[FREE_PARAMS]', optional: true, description: 'Split like a shell would.' }] : []),
    ],
    ...(m.memory || m.cpus ? { 'suggested-resources': { ...(m.memory ? { ram: m.memory / 1024 } : {}), ...(m.cpus ? { 'cpu-cores': Math.ceil(m.cpus) } : {}) } } : {}),
    ...(m.tags?.length ? { tags: { keywords: m.tags } } : {}),
    custom: {
      'allgo:app': t.app,
      'allgo:outputs': 'every file the job leaves in its working directory',
      ...(Object.keys(perParameter).length ? { 'allgo:parameters': perParameter } : {}),
    },
  };
}
