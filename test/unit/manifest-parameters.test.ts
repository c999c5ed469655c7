// allgo.yaml's `parameters`: accepted as written, and each push refusal naming the field and its line.
import { describe, it, expect } from 'vitest';
import { parseManifest, ManifestError } from '../../common/manifest.js';
import { createValidators } from '../../schemas/index.js';
import { refusal } from '../helpers/refusal.js';

const validate = createValidators().manifest;
const head = 'version: "1.0"\nentrypoint: /bin/tool\n';
const problemsOf = (source: string): string[] => refusal(() => parseManifest(source, validate), ManifestError, 'the manifest').problems;

const full = `${head}command: [run]
parameters:
  - id: image
    type: file
    accept: [.nii, .nii.gz]
    required: true
    position: 1
  - id: frac
    type: number
    minimum: 0
    maximum: 1
    default: 0.5
    flag: -f
  - id: mode
    type: enum
    choices: [fast, {value: slow, label: Slow and careful}]
    default: fast
    flag: --mode
  - id: mask
    type: boolean
    flag: -m
    group: Advanced
  - id: token
    type: string
    secret: true
    flag: --token
presets:
  - name: gentle
    values: {frac: 0.2, mode: slow}
`;

describe('parameters: accepted', () => {
  it('keeps the parameters, command and typed presets as written', () => {
    const { manifest } = parseManifest(full, validate);
    expect(manifest.command).toEqual(['run']);
    expect(manifest.parameters?.map((p) => p.id)).toEqual(['image', 'frac', 'mode', 'mask', 'token']);
    expect(manifest.parameters?.[2].choices).toEqual(['fast', { value: 'slow', label: 'Slow and careful' }]);
    expect(manifest.presets).toEqual([{ name: 'gentle', values: { frac: 0.2, mode: 'slow' } }]);
  });
});

describe('parameters: refusals name the field and the line', () => {
  it('a duplicate id', () => {
    expect(problemsOf(`${head}parameters:\n  - {id: a, type: string, flag: -a}\n  - id: a\n    type: integer\n    flag: -b\n`)).toEqual([
      'allgo.yaml:5: parameter `a`: the id is already used by parameter 1: each id must be unique',
    ]);
  });

  it('a default above its maximum', () => {
    expect(problemsOf(`${head}parameters:\n  - id: frac\n    type: number\n    flag: -f\n    maximum: 1\n    default: 3\n`)).toEqual([
      'allgo.yaml:8: parameter `frac`: the default 3 is outside its own rules: it must be at most 1',
    ]);
  });

  it('a default that is not one of its choices', () => {
    expect(problemsOf(`${head}parameters:\n  - id: mode\n    type: enum\n    flag: --mode\n    choices: [a, b]\n    default: c\n`)).toEqual([
      'allgo.yaml:8: parameter `mode`: the default "c" is outside its own rules: it must be one of a, b',
    ]);
  });

  it('a default of the wrong type', () => {
    expect(problemsOf(`${head}parameters:\n  - id: n\n    type: integer\n    flag: -n\n    default: "3"\n`)).toEqual([
      'allgo.yaml:7: parameter `n`: the default "3" is outside its own rules: it must be a whole number',
    ]);
  });

  it('two positionals at the same position', () => {
    expect(problemsOf(`${head}parameters:\n  - {id: a, type: string, position: 1}\n  - {id: b, type: string, position: 1}\n  - {id: c, type: string, flag: -c, position: 1}\n`)).toEqual([
      expect.stringMatching(/^allgo\.yaml:5: parameter `b`: parameters `a` and `b` are both positional \(no flag\) at position 1/),
    ]);
  });

  it('a pattern that is not a regular expression', () => {
    expect(problemsOf(`${head}parameters:\n  - id: s\n    type: string\n    flag: -s\n    pattern: "([a-z"\n`)).toEqual([
      expect.stringMatching(/^allgo\.yaml:7: parameter `s`: `pattern` is not a valid regular expression/),
    ]);
  });

  it('a required parameter with a default', () => {
    expect(problemsOf(`${head}parameters:\n  - id: s\n    type: string\n    flag: -s\n    required: true\n    default: x\n`)).toEqual([
      'allgo.yaml:8: parameter `s`: a required parameter takes no default: drop `required` or the default',
    ]);
  });

  it('an id that is not [A-Za-z0-9_]+', () => {
    expect(problemsOf(`${head}parameters:\n  - id: my-param\n    type: string\n`)).toEqual([expect.stringMatching(/^allgo\.yaml:4: `parameters\.0\.id` has a bad value/)]);
  });

  it('fields that do not fit the type, and a boolean without a flag', () => {
    expect(problemsOf(`${head}parameters:\n  - id: n\n    type: integer\n    flag: -n\n    choices: [a]\n  - id: b\n    type: boolean\n`)).toEqual([
      'allgo.yaml:7: parameter `n`: `choices` is for enum parameters, not integer',
      'allgo.yaml:9: parameter `b`: a boolean needs a `flag`: it gives the flag when true and nothing when false',
    ]);
  });

  it('a typed preset whose value its parameter refuses, and a free-text preset for a typed app', () => {
    expect(problemsOf(`${head}parameters:\n  - {id: n, type: integer, flag: -n, maximum: 5}\npresets:\n  - name: big\n    values: {n: 9}\n  - name: old\n    params: "-n 3"\n`)).toEqual([
      'allgo.yaml:7: preset `big`: n: must be at most 5',
      'allgo.yaml:9: preset `old`: an app with `parameters` takes typed `values`, not free-text `params` (unless it sets `free_params: true`)',
    ]);
  });
});
