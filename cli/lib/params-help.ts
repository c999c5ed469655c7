// A version's typed parameters as people read them: a table for `allgo app APP`, and the
// usage lines a tool's --help would print for `allgo run APP --help-params`.
import type { AppVersion } from '../../client/index.js';
import { cellText, table } from './table.js';

type Parameter = AppVersion['parameters'][number];

const choiceValue = (c: NonNullable<Parameter['choices']>[number]): string => (typeof c === 'string' ? c : c.value);

/** integer, number 0..1, one of a|b, file (.nii, .nii.gz), …, with "list of" before a list's. */
function typeText(p: Parameter): string {
  const base =
    p.type === 'enum'
      ? `one of ${(p.choices ?? []).map(choiceValue).join('|')}`
      : p.type === 'file'
        ? `file${p.accept ? ` (${p.accept.join(', ')})` : ''}`
        : p.minimum !== undefined || p.maximum !== undefined
          ? `${p.type} ${p.minimum ?? ''}..${p.maximum ?? ''}`
          : p.type;
  return p.list ? `list of ${base}${p.max_items !== undefined ? ` (at most ${p.max_items})` : ''}` : base;
}

const defaultText = (p: Parameter): string | undefined => (p.default === undefined ? undefined : Array.isArray(p.default) ? p.default.join(',') : String(p.default));

export function parametersTable(v: AppVersion): string {
  return table(
    ['PARAMETER', 'TYPE', 'DEFAULT', 'FLAG', 'LABEL'],
    v.parameters.map((p) => [p.id + (p.required ? ' *' : ''), typeText(p), defaultText(p), p.flag, p.label ?? p.help]),
    { max: 60 },
  );
}

/** What `--help-params` prints: one --set line per parameter, with its help beneath. */
export function parametersHelp(app: string, v: AppVersion): string {
  const lines = [`usage: allgo run ${app} --version ${v.version}${v.parameters.filter((p) => p.required).map((p) => ` --set ${p.id}=${p.type === 'file' ? '@FILE' : 'VALUE'}`).join('')} [--set ID=VALUE …]`, ''];
  if (v.parameters.length === 0) lines.push(`${app} ${v.version} declares no typed parameters: give its arguments as free text with --param "…"`);
  const groups = [...new Set(v.parameters.map((p) => p.group ?? ''))];
  for (const g of groups) {
    if (g) lines.push('', `${cellText(g, 60)}:`);
    for (const p of v.parameters.filter((q) => (q.group ?? '') === g)) {
      const head = `  --set ${p.id}=${p.type === 'file' ? '@FILE' : p.type === 'boolean' ? 'true|false' : 'VALUE'}`;
      const facts = [typeText(p), p.required ? 'required' : undefined, defaultText(p) !== undefined ? `default ${defaultText(p)}` : undefined, p.secret ? 'secret' : undefined].filter(Boolean).join(', ');
      lines.push(`${head.padEnd(34)} ${cellText(p.label ?? p.id, 80)} (${facts})`);
      if (p.help) lines.push(`${' '.repeat(35)}${cellText(p.help, 200)}`);
    }
  }
  if (v.free_params && v.parameters.length) lines.push('', '  --param "…"                      free text, appended after the typed values');
  return lines.join('\n') + '\n';
}
