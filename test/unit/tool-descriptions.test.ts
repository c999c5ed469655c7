// A version's standard descriptions: its Boutiques descriptor validates against Boutiques' own
// schema (draft-04, read from ../shared/standards), and its CWL tool binds each parameter as
// allgo's argv builder does. test/integration/cwl-export-runs-in-cwltool.test.ts runs the CWL.
import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import ajvDraft04 from 'ajv-draft-04';
import { boutiquesDescriptor } from '../../server/descriptions/boutiques.js';
import { cwlTool, type ToolFacts } from '../../server/descriptions/cwl.js';
import type { AllgoManifest } from '../../schemas/index.js';
import { standardFile } from '../helpers/standards.js';

const BOUTIQUES_SCHEMA = standardFile('boutiques-descriptor.schema.json');

const typed: AllgoManifest = {
  version: '1.0',
  entrypoint: '/usr/local/bin/tool',
  command: ['run', 'it now'],
  title: 'Tool',
  memory: 2048,
  cpus: 1.5,
  tags: ['demo'],
  parameters: [
    { id: 'image', type: 'file', accept: ['.nii', '.nii.gz'], required: true, position: 2, label: 'Image', help: 'The scan.' },
    { id: 'frac', type: 'number', minimum: 0, maximum: 1, default: 0.5, flag: '-f' },
    { id: 'iters', type: 'integer', minimum: 1, flag: '--iters', separate: false },
    { id: 'mode', type: 'enum', choices: ['fast', { value: 'slow', label: 'Slow and careful' }], default: 'fast', flag: '--mode' },
    { id: 'mask', type: 'boolean', flag: '-m', group: 'Advanced' },
    { id: 'tags', type: 'string', list: true, max_items: 3, flag: '-t' },
    { id: 'weights', type: 'number', list: true, item_separator: ',', flag: '--w' },
    { id: 'name', type: 'string', pattern: '^[a-z]+$', min_length: 1, secret: true, flag: '--name' },
  ],
};
/**
 * The schema gives its sub-schemas `id`s, two of them the same (tool-version's is description's):
 * Python's jsonschema, which Boutiques uses, ignores them; ajv refuses the clash. They are only
 * labels (nothing refers to them), so they are dropped below the root, as Boutiques reads it.
 */
function withoutInnerIds(schema: Record<string, unknown>): Record<string, unknown> {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (!node || typeof node !== 'object') return node;
    return Object.fromEntries(Object.entries(node).filter(([k, v]) => !(k === 'id' && typeof v === 'string')).map(([k, v]) => [k, strip(v)]));
  };
  return { ...(strip(schema) as Record<string, unknown>), id: schema.id };
}

const facts = (manifest: AllgoManifest): ToolFacts => ({ app: 'tool', version: '1.0', image: 'allgo/tool:1.0', manifest });

describe('Boutiques descriptor', () => {
  // A CommonJS module whose class is both module.exports and its `default`: as ajv-formats is read in site-export.test.ts.
  const Ajv04 = ajvDraft04 as unknown as typeof ajvDraft04.default;
  const ajv = new Ajv04({ allErrors: true, strict: false });
  const validate = ajv.compile(withoutInnerIds(JSON.parse(readFileSync(BOUTIQUES_SCHEMA, 'utf8'))));

  it.each([
    ['typed', typed],
    ['free text', { version: '1.0', entrypoint: 'python3 tool.py' } as AllgoManifest],
  ])('of a %s app validates against the official schema (0.5)', (_, manifest) => {
    const d = boutiquesDescriptor(facts(manifest));
    expect(validate(d), JSON.stringify(validate.errors)).toBe(true);
    expect(d['schema-version']).toBe('0.5');
    // The check can fail: an input Boutiques does not type is refused.
    expect(validate({ ...d, inputs: [{ id: 'x', name: 'x', type: 'Integer' }] })).toBe(false);
  });

  it('has one value-key per parameter in argv order, and what Boutiques cannot say in custom', () => {
    const d = boutiquesDescriptor(facts(typed)) as { 'command-line': string; inputs: Record<string, unknown>[]; custom: Record<string, Record<string, unknown>> };
    expect(d['command-line']).toBe("/usr/local/bin/tool run 'it now' [FRAC] [ITERS] [MASK] [MODE] [NAME] [TAGS] [WEIGHTS] [IMAGE]");
    expect(d.inputs.find((i) => i.id === 'iters')).toMatchObject({ type: 'Number', integer: true, minimum: 1, 'command-line-flag': '--iters', 'command-line-flag-separator': '=' });
    expect(d.inputs.find((i) => i.id === 'mode')).toMatchObject({ type: 'String', 'value-choices': ['fast', 'slow'], 'default-value': 'fast' });
    expect(d.custom['allgo:parameters']).toMatchObject({ image: { accept: ['.nii', '.nii.gz'] }, tags: { repeat_flag: true }, name: { pattern: '^[a-z]+$', secret: true } });
  });
});

describe('CWL CommandLineTool', () => {
  const tool = cwlTool(facts(typed)) as Record<string, any>;

  it('names the image, the base command and every file left as outputs', () => {
    expect(tool).toMatchObject({ cwlVersion: 'v1.2', class: 'CommandLineTool', baseCommand: ['/usr/local/bin/tool', 'run', 'it now'] });
    expect(tool.requirements.DockerRequirement).toEqual({ dockerPull: 'allgo/tool:1.0' });
    expect(tool.outputs.files.outputBinding).toEqual({ glob: '*' });
  });

  it('binds each parameter as the argv builder does, with bounds as allgo: fields', () => {
    expect(tool.inputs.iters).toMatchObject({ type: ['null', 'long'], inputBinding: { position: 0, prefix: '--iters=', separate: false }, 'allgo:minimum': 1 });
    expect(tool.inputs.image).toMatchObject({ type: 'File', label: 'Image', doc: 'The scan.', inputBinding: { position: 2 }, 'allgo:accept': ['.nii', '.nii.gz'] });
    expect(tool.inputs.mask).toMatchObject({ type: ['null', 'boolean'], inputBinding: { position: 0, prefix: '-m' } });
    expect(tool.inputs.mode.type).toEqual(['null', { type: 'enum', symbols: ['fast', 'slow'] }]);
    expect(tool.inputs.tags).toMatchObject({ type: ['null', { type: 'array', items: 'string', inputBinding: { prefix: '-t', separate: true } }], inputBinding: { position: 0 } });
    expect(tool.inputs.weights.inputBinding).toEqual({ position: 0, prefix: '--w', separate: true, itemSeparator: ',' });
    expect(tool.inputs.free_params).toBeUndefined();
  });

  it('gives an app without parameters one free-text input', () => {
    const plain = cwlTool(facts({ version: '1.0', entrypoint: 'x' })) as Record<string, any>;
    expect(Object.keys(plain.inputs)).toEqual(['free_params']);
  });
});
