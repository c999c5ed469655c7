// The contracts between allgo's parts: each JSON Schema is loaded once and compiled by ajv;
// the TypeScript types come from the same files (schemas/types.ts, generated).
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { AllgoConfigFile, AllgoManifest, BuildPayload, BuildResult, RunPayload, RunResult } from './types.js';

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
}

export function createValidators(): Validators {
  // useDefaults fills the manifest's defaults (memory, private) so readers need not repeat them.
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true });
  ajv.addKeyword({ keyword: 'x-doc' });
  return {
    manifest: ajv.compile<AllgoManifest>(loadSchema('allgo')),
    config: ajv.compile<AllgoConfigFile>(loadSchema('config')),
    buildPayload: ajv.compile<BuildPayload>(loadSchema('build-payload')),
    buildResult: ajv.compile<BuildResult>(loadSchema('build-result')),
    runPayload: ajv.compile<RunPayload>(loadSchema('run-payload')),
    runResult: ajv.compile<RunResult>(loadSchema('run-result')),
  };
}

/** One readable sentence for an ajv error, e.g. "`memory` must be >= 16". */
export function describeAjvError(e: ErrorObject): string {
  const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const where = path ? `\`${path}\`` : 'the document';
  switch (e.keyword) {
    case 'additionalProperties':
      return `unknown field \`${path ? path + '.' : ''}${(e.params as { additionalProperty: string }).additionalProperty}\``;
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
