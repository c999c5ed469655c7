// The first step of a submission: A||GO's multipart body (job[webapp_id], job[param],
// job[version], job[queue], files[N]), with allgo's webhook (job[webhook], job[webhook_events]), typed values (job[params][ID], repeated for
// a list) and file parameters (files[ID]), read as a stream, each input file written into the
// staging folder as it arrives, never buffered. Names are checked before anything is written,
// and the bytes are counted as they come: past the limit the upload stops, it is not stored
// first and weighed after. A field is never cut short: one too long refuses the submission.
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Multipart } from '@fastify/multipart';
import type { Config } from '../../common/config.js';
import { AllgoError, BadRequestError, PayloadTooLargeError } from '../errors.js';
import { checkUploadName } from '../datastore.js';
import type { InputLimit, JobRequest, RequestReader } from './submit-job.js';

/** files, files[], files[N]: A||GO's plain inputs; files[ID]: the file of parameter ID. */
const FILE_FIELD = /^files(?:\[(\d*|[A-Za-z0-9_]+)\])?$/;
/** job[params][ID], or job[params][ID][] as some form libraries write a list. */
const PARAM_FIELD = /^job\[params\]\[([A-Za-z0-9_]+)\](?:\[\])?$/;
const MB = 1024 * 1024;
/** Longest a field may be: job[param] becomes arguments, and Linux takes at most 128 KiB per argument. */
const FIELD_MAX_BYTES = 64 * 1024;

export interface PartLimits {
  fileSize: number;
  files: number;
  fields: number;
  fieldSize: number;
}

/** A reader for `submitJob`: `parts` is the request's multipart iterator (`req.parts`). */
export function readMultipart(
  parts: (limits: PartLimits) => AsyncIterableIterator<Multipart>,
  config: Pick<Config, 'uploadLimitBytes' | 'uploadMaxFiles'>,
  inputLimit: InputLimit = () => null,
): RequestReader {
  return async (staging) => {
    const fields: Record<string, string> = {};
    // Without a prototype: an id is the sender's text, and `__proto__` must stay a plain (refused) key.
    const typed: Typed = { params: Object.create(null), fileParams: Object.create(null) };
    const { bytes: inputBytes, names: inputs } = await stageFiles(parts, config, inputLimit, staging, fields, typed);
    const app = fields['job[webapp_id]'] ?? fields['job[webapp_name]'];
    if (!app) throw new BadRequestError('missing job[webapp_id]: the id or name of the app to run');
    const request: JobRequest = { app, param: fields['job[param]'] ?? '', ...typed, inputBytes, inputs };
    if (fields['job[version]']) request.version = fields['job[version]'];
    if (fields['job[queue]']) request.queue = fields['job[queue]'];
    if (fields['job[no_cache]'] !== undefined) request.noCache = noCacheFlag(fields['job[no_cache]']);
    if (fields['job[webhook]'] !== undefined || fields['job[webhook_events]'] !== undefined) {
      request.webhook = { ...(fields['job[webhook]'] ? { url: fields['job[webhook]'] } : {}), ...(fields['job[webhook_events]'] !== undefined ? { events: fields['job[webhook_events]'] } : {}) };
    }
    return request;
  };
}

/** job[no_cache]: a form's checkbox or a script's 1. */
function noCacheFlag(value: string): boolean {
  if (/^(1|true|on)$/i.test(value)) return true;
  if (/^(0|false|off|)$/i.test(value)) return false;
  throw new BadRequestError(`job[no_cache] must be 1 or 0 (got ${JSON.stringify(value.slice(0, 20))})`);
}

/** Typed values (a list when a field came more than once) and file parameters' staged names, by id. */
type Typed = { params: Record<string, string | string[]>; fileParams: Record<string, string[]> };

/** Writes each file part into `staging` and each field into `fields` (or `typed`); returns the bytes and the names written. */
async function stageFiles(
  parts: (limits: PartLimits) => AsyncIterableIterator<Multipart>,
  config: Pick<Config, 'uploadLimitBytes' | 'uploadMaxFiles'>,
  inputLimit: InputLimit,
  staging: string,
  fields: Record<string, string>,
  typed: Typed,
): Promise<{ bytes: number; names: string[] }> {
  const names = new Set<string>();
  let total = 0;
  // Fixed at the first file: the app's own limit when the fields before it named the app (clients
  // send them first); otherwise the server's, and submitJob checks the app's once the app is known.
  let limit: { bytes: number; tooLarge: () => AllgoError } | null = null;
  try {
    for await (const part of parts({ fileSize: config.uploadLimitBytes, files: config.uploadMaxFiles, fields: 100, fieldSize: FIELD_MAX_BYTES })) {
      if (part.type === 'field') {
        if (part.valueTruncated || part.fieldnameTruncated) throw fieldTooLong(part.fieldname);
        const param = PARAM_FIELD.exec(part.fieldname)?.[1];
        if (param === undefined) fields[part.fieldname] = String(part.value);
        else addValue(typed.params, param, String(part.value));
        continue;
      }
      const field = FILE_FIELD.exec(part.fieldname);
      if (!field) {
        part.file.resume();
        throw new BadRequestError(`unexpected file field "${part.fieldname}": send input files as files[0], files[1], … and a file parameter's as files[ID]`);
      }
      const name = checkUploadName(part.filename);
      if (names.has(name)) throw new BadRequestError(`two input files are named ${JSON.stringify(name)}`, 'bad_file_name');
      names.add(name);
      const param = field[1];
      if (param && !/^\d+$/.test(param)) (typed.fileParams[param] ??= []).push(name);
      limit ??= uploadLimit(config.uploadLimitBytes, inputLimit(fields));
      const { bytes, tooLarge } = limit;
      await pipeline(
        part.file,
        async function* count(chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            total += chunk.length;
            if (total > bytes) throw tooLarge();
            yield chunk;
          }
        },
        createWriteStream(join(staging, name), { flags: 'wx', mode: 0o644 }),
      );
    }
  } catch (err) {
    throw asRefusal(err, config);
  }
  return { bytes: total, names: [...names] };
}

function addValue(into: Record<string, string | string[]>, id: string, value: string): void {
  const had = into[id];
  into[id] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
}

function uploadLimit(server: number, app: { app: string; bytes: number } | null): { bytes: number; tooLarge: () => AllgoError } {
  if (app && app.bytes < server) return { bytes: app.bytes, tooLarge: () => new PayloadTooLargeError(`${app.app} accepts at most ${Math.round(app.bytes / MB)} MB of input files per job`) };
  return { bytes: server, tooLarge: () => tooLarge(server) };
}

/** What the parser threw, as the caller's mistake it is: a refusal with a code, never a 500. */
function asRefusal(err: unknown, config: Pick<Config, 'uploadLimitBytes' | 'uploadMaxFiles'>): unknown {
  if (err instanceof AllgoError) return err;
  const code = (err as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return tooLarge(config.uploadLimitBytes);
  if (code === 'FST_FILES_LIMIT') return new PayloadTooLargeError(`a job takes at most ${config.uploadMaxFiles} input files`);
  // busboy's errors carry no code ("Multipart: Boundary not found", "Unexpected end of form", …);
  // the file system's do (EACCES, ENOSPC): those stay the server's own failures.
  if (err instanceof Error && code === undefined) return new BadRequestError(`the multipart body could not be read: ${err.message}`, 'bad_multipart');
  return err;
}

const tooLarge = (limit: number) => new PayloadTooLargeError(`the input files are larger than the upload limit of ${Math.round(limit / MB)} MB`);

const fieldTooLong = (name: string) =>
  new BadRequestError(`${name.slice(0, 40)} is longer than ${FIELD_MAX_BYTES / 1024} KiB, the most a field may hold: send long input as a file (files[0]) instead`, 'field_too_long');
