// A job's typed values as the multipart fields POST /api/v1/jobs reads: job[params][ID] for a
// value (once per item of a list), files[ID] for a file parameter's file. The server checks
// and converts them against the version's input schema; text is all a form can carry.
import type { ParameterValue } from '../../schemas/types.js';

/** An input file's name and bytes. */
export interface NamedFile {
  name: string;
  data: Blob | Uint8Array | string;
}

/** A typed value, or the file(s) of a file parameter. */
export type TypedParam = ParameterValue | NamedFile | (string | number | boolean | NamedFile)[];
export type TypedParams = Record<string, TypedParam>;

const isFile = (v: unknown): v is NamedFile => typeof v === 'object' && v !== null && !Array.isArray(v) && 'name' in v && 'data' in v;

const blobOf = (f: NamedFile): Blob => (f.data instanceof Blob ? f.data : new Blob([f.data as BlobPart]));

/** Appends the values to `form`; returns the bytes of the files appended. */
export function appendTypedParams(form: FormData, params: TypedParams): number {
  let bytes = 0;
  for (const [id, value] of Object.entries(params)) {
    const items: unknown[] = Array.isArray(value) ? value : [value];
    for (const item of items) {
      if (isFile(item)) {
        const blob = blobOf(item);
        bytes += blob.size;
        form.append(`files[${id}]`, blob, item.name);
      } else {
        form.append(`job[params][${id}]`, String(item));
      }
    }
  }
  return bytes;
}
