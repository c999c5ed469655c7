// Input files given at a session's start (multipart: `files[N]`, and `version`), written as they
// stream into a staging folder that becomes the session's working folder, as a job's inputs
// become its folder. Names are checked before anything is written, and bytes are counted as
// they come: past the server's upload limit the upload stops.
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Multipart } from '@fastify/multipart';
import { BadRequestError, PayloadTooLargeError } from '../errors.js';
import { checkUploadName } from '../datastore.js';

const FILE_FIELD = /^files(?:\[\d*\])?$/;
const MB = 1024 * 1024;

export interface SessionInputs {
  version: string | undefined;
  names: string[];
  bytes: number;
}

export async function readSessionInputs(parts: AsyncIterableIterator<Multipart>, dir: string, limitBytes: number, maxFiles: number): Promise<SessionInputs> {
  const out: SessionInputs = { version: undefined, names: [], bytes: 0 };
  for await (const part of parts) {
    if (part.type === 'field') {
      if (part.fieldname !== 'version') throw new BadRequestError(`unknown field ${JSON.stringify(part.fieldname)}: a session takes \`version\` and \`files[N]\``);
      out.version = String(part.value);
      continue;
    }
    if (!FILE_FIELD.test(part.fieldname)) throw new BadRequestError(`unknown file field ${JSON.stringify(part.fieldname)}: send input files as files[0], files[1]…`);
    const name = checkUploadName(part.filename);
    if (out.names.includes(name)) throw new BadRequestError(`two input files are named ${JSON.stringify(name)}`);
    if (out.names.length >= maxFiles) throw new PayloadTooLargeError(`more than ${maxFiles} input files (limits.upload_files)`);
    out.names.push(name);
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        out.bytes += chunk.length;
        if (out.bytes > limitBytes) return done(new PayloadTooLargeError(`the input files are over ${Math.round(limitBytes / MB)} MB`));
        done(null, chunk);
      },
    });
    await pipeline(part.file, count, createWriteStream(join(dir, name), { flags: 'wx' }));
  }
  return out;
}
