// Typed values checked against a version's input schema (input-schema.ts), with each refusal
// naming the parameter and what was wrong in the words a form shows beside its field:
// "frac: must be at most 1". One checker serves the push (defaults, presets: no coercion) and
// the API (form and multipart values are text: "0.3" is coerced to 0.3, "true" to true, one
// value to a list of one); the defaults of the values left out are filled in.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { ManifestParameter, ParameterValue } from '../../schemas/index.js';
import { inputSchema, type InputSchemaOptions } from './input-schema.js';

export type TypedValues = Record<string, ParameterValue>;

/** A value the parameters refuse; `param` is the id it names (null: the values as a whole). */
export class ParamValueError extends Error {
  override name = 'ParamValueError';
  constructor(
    readonly param: string | null,
    readonly problem: string,
  ) {
    super(param ? `${param}: ${problem}` : problem);
  }
}

export interface ValueChecker {
  /** The values, coerced and with defaults filled in; throws ParamValueError. */
  check(values: Readonly<Record<string, unknown>>): TypedValues;
}

/** Compiles checkers; one instance per role, as each holds an ajv and its compiled schemas. */
export class ValueCheckers {
  private readonly strict = new Ajv({ allErrors: false, strict: true, useDefaults: true, coerceTypes: false });
  private readonly lenient = new Ajv({ allErrors: false, strict: true, useDefaults: true, coerceTypes: 'array' });

  constructor() {
    for (const ajv of [this.strict, this.lenient]) ajv.addKeyword({ keyword: 'x-allgo-file' });
  }

  /** `coerce`: values that came as text (the API's); false for the manifest's own (defaults, presets). */
  compile(parameters: readonly ManifestParameter[], options: InputSchemaOptions & { coerce?: boolean } = {}): ValueChecker {
    const { $schema: _, ...schema } = inputSchema(parameters, options);
    const validate = (options.coerce ? this.lenient : this.strict).compile(schema);
    const byId = new Map(parameters.map((p) => [p.id, p]));
    return {
      check(values) {
        // ajv fills defaults and coerces in place: work on a copy, never the caller's object.
        const copy = structuredClone({ ...values }) as Record<string, unknown>;
        if (!validate(copy)) throw refusal(validate, byId);
        return copy as TypedValues;
      },
    };
  }
}

function refusal(validate: ValidateFunction, byId: ReadonlyMap<string, ManifestParameter>): ParamValueError {
  const e = validate.errors![0];
  const path = e.instancePath.split('/').slice(1);
  const id = path[0] ?? null;
  if (e.keyword === 'required') return new ParamValueError((e.params as { missingProperty: string }).missingProperty, 'a value is required');
  if (e.keyword === 'additionalProperties') {
    const unknown = (e.params as { additionalProperty: string }).additionalProperty;
    return new ParamValueError(unknown, `no such parameter (this version takes ${[...byId.keys()].join(', ') || 'none'})`);
  }
  const p = id === null ? undefined : byId.get(id);
  const item = path.length > 1 ? ` (value ${Number(path[1]) + 1})` : '';
  return new ParamValueError(id, `${describe(e, p)}${item}`);
}

const TYPE_WORDS: Record<string, string> = { integer: 'a whole number', number: 'a number', boolean: 'true or false', string: 'text', array: 'a list of values' };

function describe(e: ErrorObject, p: ManifestParameter | undefined): string {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'type':
      return `must be ${TYPE_WORDS[String(params.type)] ?? params.type}`;
    case 'minimum':
      return `must be at least ${params.limit}`;
    case 'maximum':
      return `must be at most ${params.limit}`;
    case 'minLength':
      return `must be at least ${params.limit} characters long`;
    case 'maxLength':
      return `must be at most ${params.limit} characters long`;
    case 'minItems':
      return `takes at least ${params.limit} values`;
    case 'maxItems':
      return `takes at most ${params.limit} values`;
    case 'enum':
      return `must be one of ${(params.allowedValues as string[]).join(', ')}`;
    case 'pattern':
      if (p?.type === 'file') return p.accept ? `must be a file ending in ${p.accept.join(' or ')}` : 'must be a file name';
      return `must match ${params.pattern}`;
    default:
      return e.message ?? 'is not valid';
  }
}
