// Route schemas come from schemas/api.schema.json, the one place the API's shapes are
// written. They document the routes (OpenAPI at /api/openapi.json) and the tests check real
// responses against them.
import { loadSchema } from '../../schemas/index.js';
// For its FastifySchema fields (tags, summary, hide, consumes, produces).
import type {} from '@fastify/swagger';

type Json = Record<string, unknown>;

const defs = (loadSchema('api') as { $defs: Record<string, Json> }).$defs;
/** The manifest's definitions (a parameter, a typed value), which the API's bodies show as they are. */
const manifestDefs = (loadSchema('allgo') as { $defs: Record<string, Json> }).$defs;
const MANIFEST_REF = 'allgo.schema.json#/$defs/';

/** A definition with its local $refs inlined, ready to sit inside a route's schema. */
export function def(name: string): Json {
  const found = defs[name];
  if (!found) throw new Error(`schemas/api.schema.json has no $defs/${name}`);
  return inline(found) as Json;
}

function inline(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(inline);
  if (node && typeof node === 'object') {
    const ref = (node as Json).$ref;
    if (typeof ref === 'string' && ref.startsWith('#/$defs/')) return def(ref.slice('#/$defs/'.length));
    if (typeof ref === 'string' && ref.startsWith(MANIFEST_REF)) return inlineManifest(manifestDefs[ref.slice(MANIFEST_REF.length)]);
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inline(v)]));
  }
  return node;
}

/** A manifest definition, its own local $refs (to its $defs) inlined. */
function inlineManifest(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(inlineManifest);
  if (node && typeof node === 'object') {
    const ref = (node as Json).$ref;
    if (typeof ref === 'string' && ref.startsWith('#/$defs/')) return inlineManifest(manifestDefs[ref.slice('#/$defs/'.length)]);
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inlineManifest(v)]));
  }
  return node;
}

/** The Error body for each listed status. */
export const errors = (...statuses: number[]): Record<number, Json> => Object.fromEntries(statuses.map((s) => [s, def('ErrorBody')]));

export const jobIdParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', description: 'The job id.' } } };
/** A success answer that is not JSON: its body schema under each content type it is sent as. */
export const contentResponse = (description: string, types: Record<string, string>): Json => ({
  description,
  content: Object.fromEntries(Object.entries(types).map(([type, defName]) => [type, { schema: def(defName) }])),
});
export const textResponse = (description: string): Json => contentResponse(description, { 'text/plain': 'Text' });
