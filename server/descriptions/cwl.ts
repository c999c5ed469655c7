// A published version as a CWL v1.2 CommandLineTool, so any CWL runner (cwltool, Toil, Arvados)
// runs the same image with the same argv an allgo job gets: baseCommand is the entrypoint and
// the command, each parameter an input bound by position, prefix and separate as
// build-argv.ts binds it, and the outputs every file the job leaves in its folder. What CWL's
// types cannot say (bounds, patterns, extensions, secrets, groups) goes in `allgo:` fields.
import type { AllgoManifest, ManifestParameter } from '../../schemas/index.js';
import { baseArgv } from '../../common/parameters/build-argv.js';
import { choiceOf } from '../../common/parameters/input-schema.js';

type Json = Record<string, unknown>;

const ALLGO_NAMESPACE = 'https://allgo.dev/ns/tool#';

export interface ToolFacts {
  app: string;
  version: string;
  /** What `docker pull` (or a local engine) knows the version's image as. */
  image: string;
  manifest: AllgoManifest;
}

const CWL_TYPES: Record<ManifestParameter['type'], string> = { string: 'string', integer: 'long', number: 'double', boolean: 'boolean', enum: 'enum', file: 'File' };

function itemType(p: ManifestParameter): unknown {
  return p.type === 'enum' ? { type: 'enum', symbols: (p.choices ?? []).map((c) => choiceOf(c).value) } : CWL_TYPES[p.type];
}

/** The prefix and separate CWL needs to write what build-argv.ts writes: separate: false is flag=value. */
function prefixOf(p: ManifestParameter): Json {
  if (!p.flag) return {};
  if (p.type === 'boolean') return { prefix: p.flag };
  return p.separate === false ? { prefix: `${p.flag}=`, separate: false } : { prefix: p.flag, separate: true };
}

/** What CWL cannot check itself, kept as namespaced fields beside the input. */
function extensions(p: ManifestParameter): Json {
  const out: Json = {};
  const fields: (keyof ManifestParameter)[] = ['minimum', 'maximum', 'min_length', 'max_length', 'pattern', 'accept', 'min_items', 'max_items', 'secret', 'group'];
  for (const f of fields) if (p[f] !== undefined) out[`allgo:${f}`] = p[f];
  return out;
}

function input(p: ManifestParameter): Json {
  const position = { position: p.position ?? 0 };
  let type: unknown;
  let inputBinding: Json;
  if (!p.list) {
    type = itemType(p);
    inputBinding = { ...position, ...prefixOf(p) };
  } else if (p.item_separator !== undefined) {
    type = { type: 'array', items: itemType(p) };
    inputBinding = { ...position, ...prefixOf(p), itemSeparator: p.item_separator };
  } else {
    // The flag repeated before each value: the binding is the items'.
    type = { type: 'array', items: itemType(p), ...(p.flag ? { inputBinding: prefixOf(p) } : {}) };
    inputBinding = position;
  }
  return {
    type: p.required ? type : ['null', type],
    ...(p.label ? { label: p.label } : {}),
    ...(p.help ? { doc: p.help } : {}),
    ...(p.default !== undefined ? { default: p.default } : {}),
    inputBinding,
    ...extensions(p),
  };
}

export function cwlTool(t: ToolFacts): Json {
  const m = t.manifest;
  const tool: Json = {
    cwlVersion: 'v1.2',
    class: 'CommandLineTool',
    $namespaces: { allgo: ALLGO_NAMESPACE },
    id: t.app,
    label: m.title ?? t.app,
    ...(m.description ? { doc: m.description } : {}),
    baseCommand: baseArgv(m),
    requirements: {
      DockerRequirement: { dockerPull: t.image },
      ...(m.memory || m.cpus ? { ResourceRequirement: { ...(m.memory ? { ramMin: m.memory } : {}), ...(m.cpus ? { coresMin: m.cpus } : {}) } } : {}),
    },
    inputs: Object.fromEntries((m.parameters ?? []).map((p) => [p.id, input(p)])),
    outputs: {
      // An allgo job's results are every file it leaves in its folder.
      files: { type: { type: 'array', items: ['File', 'Directory'] }, outputBinding: { glob: '*' } },
    },
    'allgo:app': t.app,
    'allgo:version': t.version,
  };
  // An app without typed parameters takes free text: one string of arguments, split as allgo splits it.
  if (!m.parameters || m.free_params) {
    (tool.inputs as Json).free_params = { type: ['null', { type: 'array', items: 'string' }], doc: 'Free-text arguments (allgo splits job[param] like a shell would).', inputBinding: { position: 1_000_000 } };
  }
  return tool;
}
