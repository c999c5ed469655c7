// What allgo.schema.json cannot say about a manifest's `parameters` and typed presets, checked
// at the push so a provider hears it from git, not a user from a failed job: a duplicate id, a
// default outside its own bounds or choices, two positionals at one position, a pattern that
// is not a regular expression, a required parameter with a default, fields that do not fit the
// type. Each problem carries the path of the field it is about; manifest.ts turns it into a line.
import type { AllgoManifest, ManifestParameter } from '../../schemas/index.js';
import { ParamValueError, ValueCheckers } from './check-values.js';

export interface ParameterProblem {
  path: (string | number)[];
  message: string;
}

/** Fields that only mean something for some types (or for lists). */
const ONLY_FOR: Partial<Record<keyof ManifestParameter, { types?: ManifestParameter['type'][]; list?: true }>> = {
  minimum: { types: ['integer', 'number'] },
  maximum: { types: ['integer', 'number'] },
  min_length: { types: ['string'] },
  max_length: { types: ['string'] },
  pattern: { types: ['string'] },
  choices: { types: ['enum'] },
  accept: { types: ['file'] },
  min_items: { list: true },
  max_items: { list: true },
  item_separator: { list: true },
};

export function checkParameters(m: AllgoManifest): ParameterProblem[] {
  const problems: ParameterProblem[] = [];
  const params = m.parameters ?? [];
  const at = (i: number, field: string, message: string) => problems.push({ path: ['parameters', i, field], message: `parameter \`${params[i].id}\`: ${message}` });
  const seen = new Map<string, number>();
  const positional = new Map<number, number>();
  const checkers = new ValueCheckers();
  params.forEach((p, i) => {
    if (seen.has(p.id)) at(i, 'id', `the id is already used by parameter ${seen.get(p.id)! + 1}: each id must be unique`);
    else seen.set(p.id, i);
    for (const [field, rule] of Object.entries(ONLY_FOR)) {
      if (p[field as keyof ManifestParameter] === undefined) continue;
      if (rule.types && !rule.types.includes(p.type)) at(i, field, `\`${field}\` is for ${rule.types.join(' or ')} parameters, not ${p.type}`);
      if (rule.list && !p.list) at(i, field, `\`${field}\` is for lists: add \`list: true\``);
    }
    if (p.type === 'enum' && !p.choices) at(i, 'type', 'an enum needs `choices`');
    if (p.type === 'boolean' && !p.flag) at(i, 'type', 'a boolean needs a `flag`: it gives the flag when true and nothing when false');
    if (p.type === 'boolean' && p.list) at(i, 'list', 'a boolean cannot be a list');
    if (p.type === 'file' && /^\d+$/.test(p.id)) at(i, 'id', 'a file parameter\'s id cannot be a number: files[0], files[1], … are plain input files');
    if (p.type === 'file' && p.default !== undefined) at(i, 'default', 'a file parameter takes no default: the user uploads it');
    if (p.required && p.default !== undefined) at(i, 'default', 'a required parameter takes no default: drop `required` or the default');
    if (p.pattern !== undefined) {
      try {
        new RegExp(p.pattern, 'u');
      } catch (err) {
        at(i, 'pattern', `\`pattern\` is not a valid regular expression (${(err as Error).message})`);
      }
    }
    pairOrdered(p, i, 'minimum', 'maximum', at);
    pairOrdered(p, i, 'min_length', 'max_length', at);
    pairOrdered(p, i, 'min_items', 'max_items', at);
    if (!p.flag && p.type !== 'boolean') {
      const pos = p.position ?? 0;
      if (positional.has(pos)) at(i, p.position === undefined ? 'id' : 'position', `parameters \`${params[positional.get(pos)!].id}\` and \`${p.id}\` are both positional (no flag) at position ${pos}: give each its own \`position\``);
      else positional.set(pos, i);
    }
  });
  if (problems.length) return problems;
  // With the parameters sound, their defaults and the presets' values are checked as a job's would be.
  params.forEach((p, i) => {
    if (p.default === undefined || p.type === 'file') return;
    try {
      checkers.compile([{ ...p, required: false }]).check({ [p.id]: p.default });
    } catch (err) {
      if (!(err instanceof ParamValueError)) throw err;
      at(i, 'default', `the default ${JSON.stringify(p.default)} is outside its own rules: it ${err.problem}`);
    }
  });
  return [...problems, ...checkPresets(m, checkers)];
}

function pairOrdered(p: ManifestParameter, i: number, low: keyof ManifestParameter, high: keyof ManifestParameter, at: (i: number, f: string, m: string) => void): void {
  const [a, b] = [p[low], p[high]];
  if (typeof a === 'number' && typeof b === 'number' && a > b) at(i, String(low), `\`${low}\` (${a}) is above \`${high}\` (${b})`);
}

/** A preset is a part of a job's values: each must be one the API would take. */
function checkPresets(m: AllgoManifest, checkers: ValueCheckers): ParameterProblem[] {
  const problems: ParameterProblem[] = [];
  const presets = m.presets ?? [];
  const fileless = (m.parameters ?? []).filter((p) => p.type !== 'file');
  const checker = m.parameters ? checkers.compile(fileless.map((p) => ({ ...p, default: undefined })), { required: false }) : null;
  presets.forEach((preset, i) => {
    const at = (field: string, message: string) => problems.push({ path: ['presets', i, field], message: `preset \`${preset.name}\`: ${message}` });
    if (preset.params === undefined && preset.values === undefined) {
      problems.push({ path: ['presets', i], message: `missing required field \`presets.${i}.params\` (free text), or \`presets.${i}.values\` (typed values)` });
    }
    if (preset.values !== undefined && !checker) at('values', 'typed `values` need the app to declare `parameters`');
    if (preset.params !== undefined && m.parameters && !m.free_params) at('params', 'an app with `parameters` takes typed `values`, not free-text `params` (unless it sets `free_params: true`)');
    if (preset.values !== undefined && checker) {
      try {
        checker.check(preset.values);
      } catch (err) {
        if (!(err instanceof ParamValueError)) throw err;
        at('values', err.message);
      }
    }
  });
  return problems;
}
