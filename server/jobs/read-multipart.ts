// The first step of a submission: A||GO's multipart body (job[webapp_id], job[param],
// job[version], job[queue], files[N]) read as a stream, each input file written into the
// staging folder as it arrives, never buffered. Names are checked before anything is written.
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Multipart } from '@fastify/multipart';
import type { Config } from '../../common/config.js';
import { BadRequestError, PayloadTooLargeError } from '../errors.js';
import { checkUploadName } from '../datastore.js';
import type { JobRequest, RequestReader } from './submit-job.js';

const FILE_FIELD = /^files(\[\d*\])?$/;
const MB = 1024 * 1024;

export interface PartLimits {
  fileSize: number;
  files: number;
  fields: number;
  fieldSize: number;
}

/** A reader for `submitJob`: `parts` is the request's multipart iterator (`req.parts`). */
export function readMultipart(parts: (limits: PartLimits) => AsyncIterableIterator<Multipart>, config: Pick<Config, 'uploadLimitBytes' | 'uploadMaxFiles'>): RequestReader {
  return async (staging) => {
    const fields: Record<string, string> = {};
    const { bytes: inputBytes, names: inputs } = await stageFiles(parts, config, staging, fields);
    const app = fields['job[webapp_id]'] ?? fields['job[webapp_name]'];
    if (!app) throw new BadRequestError('missing job[webapp_id]: the id or name of the app to run');
    const request: JobRequest = { app, param: fields['job[param]'] ?? '', inputBytes, inputs };
    if (fields['job[version]']) request.version = fields['job[version]'];
    if (fields['job[queue]']) request.queue = fields['job[queue]'];
    return request;
  };
}

/** Writes each file part into `staging` and each field into `fields`; returns the bytes and the names written. */
async function stageFiles(
  parts: (limits: PartLimits) => AsyncIterableIterator<Multipart>,
  config: Pick<Config, 'uploadLimitBytes' | 'uploadMaxFiles'>,
  staging: string,
  fields: Record<string, string>,
): Promise<{ bytes: number; names: string[] }> {
  const names = new Set<string>();
  let total = 0;
  try {
    for await (const part of parts({ fileSize: config.uploadLimitBytes, files: config.uploadMaxFiles, fields: 100, fieldSize: MB })) {
      if (part.type === 'field') {
        fields[part.fieldname] = String(part.value);
        continue;
      }
      if (!FILE_FIELD.test(part.fieldname)) {
        part.file.resume();
        throw new BadRequestError(`unexpected file field "${part.fieldname}": send input files as files[0], files[1], …`);
      }
      const name = checkUploadName(part.filename);
      if (names.has(name)) throw new BadRequestError(`two input files are named ${JSON.stringify(name)}`, 'bad_file_name');
      names.add(name);
      await pipeline(part.file, createWriteStream(join(staging, name), { flags: 'wx', mode: 0o644 }));
      total += part.file.bytesRead;
      if (total > config.uploadLimitBytes) throw tooLarge(config.uploadLimitBytes);
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge(config.uploadLimitBytes);
    if (code === 'FST_FILES_LIMIT') throw new PayloadTooLargeError(`a job takes at most ${config.uploadMaxFiles} input files`);
    throw err;
  }
  return { bytes: total, names: [...names] };
}

const tooLarge = (limit: number) => new PayloadTooLargeError(`the input files are larger than the upload limit of ${Math.round(limit / MB)} MB`);
