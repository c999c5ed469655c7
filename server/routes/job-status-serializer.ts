// GET /api/v1/jobs/N answers in A||GO's shape, whose first two keys are
// {"<N>": {file: url}, "status": …}, in that order: A||GO clients read them so, and a test
// checks it. fast-json-stringify writes a schema's declared properties first and the
// additional ones ("<N>" is one: its name is the job's id) after them, which would move it
// last. So this route writes "<N>" itself, then the rest with fast-json-stringify from the
// same schema (whose first property is "status"): the rest is still checked and trimmed to
// the schema, as every other route's answer is.
import fastJson from 'fast-json-stringify';
import type { FastifySchema, FastifySerializerCompiler } from 'fastify';
import type { JobStatus } from '../../schemas/index.js';
import { def } from './api-schemas.js';

type Json = Record<string, unknown>;

function orderedJobStatus(schema: Json): (body: JobStatus) => string {
  const { additionalProperties: fileMap, ...declared } = schema;
  const urls = fastJson(fileMap as fastJson.AnySchema);
  const rest = fastJson({ ...declared, additionalProperties: false } as fastJson.AnySchema);
  return (body) => {
    const key = String(body.id);
    const { [key]: files, ...others } = body;
    return `{${JSON.stringify(key)}:${urls(files)},${rest(others).slice(1)}`;
  };
}

/** The route's serializers: its 200 answer as above, its errors as any route's. */
export const jobStatusSerializers: FastifySerializerCompiler<FastifySchema> = ({ schema, httpStatus }) =>
  (httpStatus === '200' ? orderedJobStatus(schema as Json) : fastJson(schema as fastJson.AnySchema)) as (data: unknown) => string;

/** The route's 200 serializer on its own, for what sends a job's answer elsewhere (a webhook's body). */
export const jobStatusSerializer = (): ((body: JobStatus) => string) => orderedJobStatus(def('JobStatus'));
