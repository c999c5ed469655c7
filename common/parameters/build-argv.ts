// A job's argv, built the way CWL binds a tool's inputs, and never given to a shell:
//   entrypoint, command, then each parameter that has a value, in order of position (default 0)
//   then id: a boolean true gives its flag (false nothing); a value gives [flag, value], or
//   flag=value with separate: false, or the value alone without a flag; a list repeats that for
//   each value, or joins them with item_separator into one; a file gives its path in the job
//   folder. Last, with free_params, the free-text string split as for an app without parameters.
// An app without parameters gets what it always got: entrypoint then its split free text.
import type { AllgoManifest, ManifestParameter, ParameterValue } from '../../schemas/index.js';
import { JOB_DIR_IN_CONTAINER } from '../files.js';
import { entrypointArgv, splitParams } from '../split-params.js';

export type ArgvManifest = Pick<AllgoManifest, 'entrypoint' | 'command' | 'parameters' | 'free_params'>;

/** Parameters in argv order: position (default 0), then id. */
export function inArgvOrder(parameters: readonly ManifestParameter[]): ManifestParameter[] {
  return [...parameters].sort((a, b) => (a.position ?? 0) - (b.position ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** A file parameter's value (the uploaded file's name) as the job sees it. */
const filePath = (name: string): string => `${JOB_DIR_IN_CONTAINER}/${name}`;

/** The fixed head of every job's argv: the entrypoint, then the command. */
export function baseArgv(m: Pick<AllgoManifest, 'entrypoint' | 'command'>): string[] {
  return [...entrypointArgv(m.entrypoint), ...(m.command === undefined ? [] : entrypointArgv(m.command))];
}

/** The arguments one parameter's value gives. */
export function parameterArgs(p: ManifestParameter, value: ParameterValue | undefined): string[] {
  if (value === undefined) return [];
  if (p.type === 'boolean') return value === true && p.flag ? [p.flag] : [];
  const items = (Array.isArray(value) ? value : [value]).map((v) => (p.type === 'file' ? filePath(String(v)) : String(v)));
  if (Array.isArray(value) && items.length === 0) return [];
  const bind = (text: string): string[] => (!p.flag ? [text] : p.separate === false ? [`${p.flag}=${text}`] : [p.flag, text]);
  if (p.list && p.item_separator !== undefined) return bind(items.join(p.item_separator));
  return items.flatMap(bind);
}

/**
 * `values`: already checked against the version's input schema (check-values.ts), defaults in.
 * `freeText`: job[param]; for a typed app, only with free_params (the caller refuses it otherwise).
 */
export function buildArgv(m: ArgvManifest, values: Readonly<Record<string, ParameterValue>>, freeText: string): string[] {
  const head = baseArgv(m);
  if (!m.parameters) return [...head, ...splitParams(freeText)];
  const typed = inArgvOrder(m.parameters).flatMap((p) => parameterArgs(p, values[p.id]));
  return [...head, ...typed, ...(m.free_params ? splitParams(freeText) : [])];
}
