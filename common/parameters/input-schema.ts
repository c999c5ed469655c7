// A version's typed parameters as one JSON Schema of its inputs (an object keyed by parameter
// id), the way Cog publishes one. The server validates every job's values with it, the API
// publishes it as `input_schema`, and the run form states the same rules as HTML constraints.
// A file's value is the name of the uploaded file; its accepted extensions are a pattern.
import type { ManifestParameter } from '../../schemas/index.js';

type Json = Record<string, unknown>;

/** A choice's value and the label shown for it. */
export function choiceOf(c: NonNullable<ManifestParameter['choices']>[number]): { value: string; label: string } {
  return typeof c === 'string' ? { value: c, label: c } : { value: c.value, label: c.label ?? c.value };
}

/** Case-insensitive "ends with one of these extensions", as a pattern JSON Schema can carry (it has no flags). */
function extensionPattern(accept: readonly string[]): string {
  const each = accept.map((ext) =>
    [...ext].map((ch) => (/[a-z]/i.test(ch) ? `[${ch.toLowerCase()}${ch.toUpperCase()}]` : /[A-Za-z0-9]/.test(ch) ? ch : `\\${ch}`)).join(''),
  );
  return `(?:${each.join('|')})$`;
}

/** The schema of one value (one item of a list). */
function itemSchema(p: ManifestParameter): Json {
  switch (p.type) {
    case 'string':
      return { type: 'string', ...pick(p, { min_length: 'minLength', max_length: 'maxLength', pattern: 'pattern' }) };
    case 'integer':
    case 'number':
      return { type: p.type, ...pick(p, { minimum: 'minimum', maximum: 'maximum' }) };
    case 'boolean':
      return { type: 'boolean' };
    case 'enum':
      return { type: 'string', enum: (p.choices ?? []).map((c) => choiceOf(c).value) };
    case 'file':
      return { type: 'string', minLength: 1, ...(p.accept ? { pattern: extensionPattern(p.accept) } : {}) };
  }
}

function pick(p: ManifestParameter, names: Partial<Record<keyof ManifestParameter, string>>): Json {
  const out: Json = {};
  for (const [from, to] of Object.entries(names)) if (p[from as keyof ManifestParameter] !== undefined) out[to!] = p[from as keyof ManifestParameter];
  return out;
}

/** One parameter's schema: its value's (or a list of them), with its label, help and default. */
function parameterSchema(p: ManifestParameter): Json {
  const value = p.list ? { type: 'array', items: itemSchema(p), ...pick(p, { min_items: 'minItems', max_items: 'maxItems' }) } : itemSchema(p);
  return {
    ...value,
    ...(p.label ? { title: p.label } : {}),
    ...(p.help ? { description: p.help } : {}),
    ...(p.default !== undefined ? { default: p.default } : {}),
    // Annotations: a secret is never read back; a file is sent as files[ID], its value is its name.
    ...(p.secret ? { writeOnly: true } : {}),
    ...(p.type === 'file' ? { 'x-allgo-file': true } : {}),
  };
}

export interface InputSchemaOptions {
  /** false: every parameter optional (a preset is a part of a job's values). Default true. */
  required?: boolean;
}

/** The JSON Schema of a job's typed values. */
export function inputSchema(parameters: readonly ManifestParameter[], options: InputSchemaOptions = {}): Json {
  const required = options.required === false ? [] : parameters.filter((p) => p.required).map((p) => p.id);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    additionalProperties: false,
    ...(required.length ? { required } : {}),
    properties: Object.fromEntries(parameters.map((p) => [p.id, parameterSchema(p)])),
  };
}
