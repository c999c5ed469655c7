// allgo.yaml → a validated manifest, or every problem with its line, in words a provider acts on.
import { createHash } from 'node:crypto';
import { LineCounter, parseDocument, isMap, isSeq, isScalar, isPair, type Node, type Scalar } from 'yaml';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { describeAjvError, type AllgoManifest } from '../schemas/index.js';
import { splitParams, ParamsError } from './split-params.js';
import { checkParameters } from './parameters/check-parameters.js';
import { checkKind } from './webapp-manifest.js';
import manifestSchema from '../schemas/allgo.schema.json' with { type: 'json' };

export const MANIFEST_MAX_BYTES = 64 * 1024;

/** The memory (MB) of a job whose manifest gives none: the schema's default. */
export const DEFAULT_JOB_MEMORY_MB: number = manifestSchema.properties.memory.default;

export class ManifestError extends Error {
  override name = 'ManifestError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

export interface ParsedManifest {
  manifest: AllgoManifest;
  /** sha256 of the file's bytes: labels the image so a version can be traced to its manifest. */
  digest: string;
}

export function parseManifest(source: Buffer | string, validate: ValidateFunction<AllgoManifest>, file = 'allgo.yaml'): ParsedManifest {
  const bytes = typeof source === 'string' ? Buffer.from(source) : source;
  if (bytes.length > MANIFEST_MAX_BYTES) {
    throw new ManifestError([`${file}: ${bytes.length} bytes is over the ${MANIFEST_MAX_BYTES / 1024} KiB limit; keep long text in README.md`]);
  }
  const lineCounter = new LineCounter();
  // A small alias budget stops "billion laughs" documents before they expand.
  const doc = parseDocument(bytes.toString('utf8'), { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineOf = (offset: number | undefined): string => (offset === undefined ? '' : `:${lineCounter.linePos(offset).line}`);
  if (doc.errors.length > 0) {
    throw new ManifestError(doc.errors.map((e) => `${file}${lineOf(e.pos[0])}: not valid YAML: ${e.message.split('\n')[0]}`));
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 20 });
  } catch (err) {
    throw new ManifestError([`${file}: ${(err as Error).message}`]);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ManifestError([`${file}: must be a mapping of fields (version, entrypoint, …), not ${value === null ? 'empty' : Array.isArray(value) ? 'a list' : typeof value}`]);
  }
  if (!validate(value)) {
    const problems = validate.errors!.map((e) => {
      const segments = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
      if (e.keyword === 'additionalProperties') segments.push((e.params as { additionalProperty: string }).additionalProperty);
      const at = nodeAt(doc.contents, segments);
      return `${file}${lineOf(at.offset)}: ${describeAjvError(e)}${quoteHint(e, at.node)}`;
    });
    throw new ManifestError([...new Set(problems)]);
  }
  // A preset is split like a job's parameter string: one that the API would refuse is refused now.
  const presetProblems = (value.presets ?? []).flatMap((preset, i) => {
    if (preset.params === undefined) return [];
    try {
      splitParams(preset.params);
      return [];
    } catch (err) {
      if (!(err instanceof ParamsError)) throw err;
      return [`${file}${lineOf(nodeAt(doc.contents, ['presets', String(i), 'params']).offset)}: preset \`${preset.name}\`: ${err.message}`];
    }
  });
  if (presetProblems.length) throw new ManifestError(presetProblems);
  const parameterProblems = [...checkParameters(value), ...checkKind(value)].map((p) => `${file}${lineOf(nodeAt(doc.contents, p.path.map(String)).offset)}: ${p.message}`);
  if (parameterProblems.length) throw new ManifestError(parameterProblems);
  return { manifest: value, digest: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * `version: 1.10` is the number 1.1 to YAML: when a string was wanted, show the provider the
 * quoted form of what they wrote (its source text, so "1.10" keeps its zero).
 */
function quoteHint(e: ErrorObject, node: Node | null): string {
  if (e.keyword !== 'type' || (e.params as { type: string }).type !== 'string' || !isScalar(node) || typeof node.value !== 'number') return '';
  const written = (node as Scalar).source ?? String(node.value);
  const key = e.instancePath.split('/').pop() ?? '';
  return `: quote it: \`${key}: "${written}"\``;
}

/** The deepest node on `path`, and its offset (a key's position for a map entry), for error lines. */
function nodeAt(root: unknown, path: string[]): { node: Node | null; offset: number | undefined } {
  let node = root as Node | null;
  let best = (node as Node | null)?.range?.[0];
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === seg);
      if (!pair) break;
      best = (pair.key as Node).range?.[0] ?? best;
      node = pair.value as Node | null;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)] as Node | undefined;
      if (!item) break;
      best = item.range?.[0] ?? best;
      node = item;
    } else break;
  }
  return { node, offset: best };
}
