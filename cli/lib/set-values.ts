// `allgo run APP --set frac=0.3 --set mask=true --set image=@brain.nii`: each --set one value
// of a typed parameter (repeated for a list), `@path` a file to upload. The values go as text;
// the server checks them against the version's parameters and names the one it refuses.
import { UsageError } from './command.js';

/** A file on disk, for a file parameter. */
interface PathFile {
  path: string;
}

export type SetValue = string | PathFile | (string | PathFile)[];

export function parseSets(sets: readonly string[]): Record<string, SetValue> {
  const out: Record<string, SetValue> = Object.create(null);
  for (const s of sets) {
    const eq = s.indexOf('=');
    const id = eq < 0 ? '' : s.slice(0, eq);
    if (!/^[A-Za-z0-9_]+$/.test(id)) throw new UsageError(`--set ${s}: write it as ID=VALUE (ID as "allgo run APP --help-params" lists them), or ID=@FILE for a file`);
    const raw = s.slice(eq + 1);
    // @@ keeps a value that starts with @ as text.
    const value: string | PathFile = raw.startsWith('@@') ? raw.slice(1) : raw.startsWith('@') ? { path: raw.slice(1) } : raw;
    if (typeof value !== 'string' && value.path === '') throw new UsageError(`--set ${s}: name the file after the @`);
    const had = out[id];
    out[id] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  }
  return out;
}
