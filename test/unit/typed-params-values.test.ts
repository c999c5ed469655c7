// A job's typed values checked against its version's input schema: each refusal names the
// parameter and what was wrong, as the API answers it and the run form shows it.
import { describe, it, expect } from 'vitest';
import { ParamValueError, ValueCheckers } from '../../common/parameters/check-values.js';
import { inputSchema } from '../../common/parameters/input-schema.js';
import type { ManifestParameter } from '../../schemas/index.js';

const parameters: ManifestParameter[] = [
  { id: 'frac', type: 'number', minimum: 0, maximum: 1, default: 0.5, flag: '-f' },
  { id: 'iters', type: 'integer', minimum: 1, flag: '-n' },
  { id: 'mode', type: 'enum', choices: ['fast', { value: 'slow', label: 'Slow and careful' }], flag: '--mode' },
  { id: 'mask', type: 'boolean', flag: '-m' },
  { id: 'name', type: 'string', min_length: 2, max_length: 5, pattern: '^[a-z]+$', flag: '--name' },
  { id: 'image', type: 'file', accept: ['.nii', '.nii.gz'], required: true },
  { id: 'tags', type: 'string', list: true, max_items: 2, flag: '-t' },
];
const checkers = new ValueCheckers();
const lenient = checkers.compile(parameters, { coerce: true });
const strict = checkers.compile(parameters);

const refusalOf = (values: Record<string, unknown>, checker = lenient): { param: string | null; message: string } => {
  try {
    checker.check(values);
  } catch (err) {
    if (err instanceof ParamValueError) return { param: err.param, message: err.message };
    throw err;
  }
  throw new Error(`accepted ${JSON.stringify(values)}`);
};

describe('check values: accepted', () => {
  it('fills defaults and coerces form text to the declared types', () => {
    expect(lenient.check({ image: 'a.NII.GZ', iters: '3', mask: 'true', tags: 'x' })).toEqual({ image: 'a.NII.GZ', iters: 3, mask: true, tags: ['x'], frac: 0.5 });
  });

  it('leaves the caller\'s object as it was', () => {
    const given = { image: 'a.nii', iters: '3' };
    lenient.check(given);
    expect(given).toEqual({ image: 'a.nii', iters: '3' });
  });
});

describe('check values: refusals name the parameter', () => {
  it.each([
    [{ image: 'a.nii', frac: 2 }, 'frac', 'frac: must be at most 1'],
    [{ image: 'a.nii', frac: -1 }, 'frac', 'frac: must be at least 0'],
    [{ image: 'a.nii', frac: 'lots' }, 'frac', 'frac: must be a number'],
    [{ image: 'a.nii', iters: 1.5 }, 'iters', 'iters: must be a whole number'],
    [{ image: 'a.nii', mode: 'medium' }, 'mode', 'mode: must be one of fast, slow'],
    [{ image: 'a.nii', mask: 'maybe' }, 'mask', 'mask: must be true or false'],
    [{ image: 'a.nii', name: 'a' }, 'name', 'name: must be at least 2 characters long'],
    [{ image: 'a.nii', name: 'abcdef' }, 'name', 'name: must be at most 5 characters long'],
    [{ image: 'a.nii', name: 'AB1' }, 'name', 'name: must match ^[a-z]+$'],
    [{ image: 'brain.png' }, 'image', 'image: must be a file ending in .nii or .nii.gz'],
    [{ image: 'a.nii', tags: ['a', 'b', 'c'] }, 'tags', 'tags: takes at most 2 values'],
    [{}, 'image', 'image: a value is required'],
    [{ image: 'a.nii', colour: 'red' }, 'colour', 'colour: no such parameter (this version takes frac, iters, mode, mask, name, image, tags)'],
  ])('%j → %s', (values, param, message) => {
    expect(refusalOf(values)).toEqual({ param, message });
  });

  it('without coercion (a manifest\'s own values), text is not a number', () => {
    expect(refusalOf({ image: 'a.nii', iters: '3' }, strict)).toEqual({ param: 'iters', message: 'iters: must be a whole number' });
  });
});

describe('inputSchema', () => {
  it('is a draft-07 object schema with labels, help, defaults and a secret marked writeOnly', () => {
    const schema = inputSchema([
      { id: 'frac', type: 'number', label: 'Fraction', help: 'Of the brain kept', minimum: 0, maximum: 1, default: 0.5, flag: '-f' },
      { id: 'token', type: 'string', secret: true, required: true, flag: '--token' },
    ]);
    expect(schema).toEqual({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      additionalProperties: false,
      required: ['token'],
      properties: {
        frac: { type: 'number', minimum: 0, maximum: 1, title: 'Fraction', description: 'Of the brain kept', default: 0.5 },
        token: { type: 'string', writeOnly: true },
      },
    });
  });
});
