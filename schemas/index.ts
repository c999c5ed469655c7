// The contracts between allgo's parts: each JSON Schema is loaded once and compiled by ajv;
// the TypeScript types come from the same files (schemas/types.ts, generated).
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { AllgoConfigFile, AllgoManifest, BuildPayload, BuildResult, ClaimAnswer, CommitRequest, Heartbeat, RunPayload, RunResult, RunnerHello, RunnerHelloRequest } from './types.js';

export type * from './types.js';

/** The repository root: where package.json is, from source (schemas/) or from dist/schemas/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('allgo: cannot find the package root from ' + fileURLToPath(import.meta.url));
}

export function loadSchema(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(packageRoot(), 'schemas', `${name}.schema.json`), 'utf8'));
}

export interface Validators {
  manifest: ValidateFunction<AllgoManifest>;
  config: ValidateFunction<AllgoConfigFile>;
  buildPayload: ValidateFunction<BuildPayload>;
  buildResult: ValidateFunction<BuildResult>;
  runPayload: ValidateFunction<RunPayload>;
  runResult: ValidateFunction<RunResult>;
  runnerHelloRequest: ValidateFunction<RunnerHelloRequest>;
  runnerHello: ValidateFunction<RunnerHello>;
  heartbeat: ValidateFunction<Heartbeat>;
  claimAnswer: ValidateFunction<ClaimAnswer>;
  commitRequest: ValidateFunction<CommitRequest>;
}

export function createValidators(): Validators {
  // useDefaults fills the manifest's defaults (memory, private) so readers need not repeat them.
  // verbose: errors carry their schema and value, for hints such as "did you mean `memory`?".
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true, verbose: true });
  ajv.addKeyword({ keyword: 'x-doc' });
  const runResult = ajv.compile<RunResult>(loadSchema('run-result'));
  // The runner protocol's shapes are $defs of one file, which refers to run-result by its $id.
  const runnerApi = loadSchema('runner-api');
  ajv.addSchema(runnerApi);
  const runnerDef = <T>(name: string): ValidateFunction<T> => ajv.getSchema<T>(`${runnerApi.$id as string}#/$defs/${name}`)!;
  return {
    manifest: ajv.compile<AllgoManifest>(loadSchema('allgo')),
    config: ajv.compile<AllgoConfigFile>(loadSchema('config')),
    buildPayload: ajv.compile<BuildPayload>(loadSchema('build-payload')),
    buildResult: ajv.compile<BuildResult>(loadSchema('build-result')),
    runPayload: ajv.compile<RunPayload>(loadSchema('run-payload')),
    runResult,
    runnerHelloRequest: runnerDef<RunnerHelloRequest>('RunnerHelloRequest'),
    runnerHello: runnerDef<RunnerHello>('RunnerHello'),
    heartbeat: runnerDef<Heartbeat>('Heartbeat'),
    claimAnswer: runnerDef<ClaimAnswer>('ClaimAnswer'),
    commitRequest: runnerDef<CommitRequest>('CommitRequest'),
  };
}

/** One readable sentence for an ajv error, e.g. "`memory` must be >= 16". */
export function describeAjvError(e: ErrorObject): string {
  const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const where = path ? `\`${path}\`` : 'the document';
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = (e.params as { additionalProperty: string }).additionalProperty;
      const near = nearest(field, Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {}));
      return `unknown field \`${path ? path + '.' : ''}${field}\`${near ? ` (did you mean \`${near}\`?)` : ''}`;
    }
    case 'required':
      return `missing required field \`${path ? path + '.' : ''}${(e.params as { missingProperty: string }).missingProperty}\``;
    case 'enum':
      return `${where} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'pattern':
      return `${where} has a bad value: it must match ${(e.params as { pattern: string }).pattern}`;
    case 'oneOf':
      return `${where} must be a string or a list of strings`;
    default:
      return `${where} ${e.message ?? 'is invalid'}`;
  }
}

/** The known name a typo most likely meant: at most two edits away, and closer than any other. */
function nearest(word: string, known: string[]): string | null {
  let best: string | null = null;
  let bestDistance = Math.min(2, Math.floor(word.length / 3));
  for (const k of known) {
    const d = editDistance(word.toLowerCase(), k.toLowerCase());
    if (d <= bestDistance && (best === null || d < bestDistance)) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, with a swap of two neighbours counting as one edit ("memroy"). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
