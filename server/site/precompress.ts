// Brotli and gzip copies of the built site's text files, made once per build, so the catalog
// page of a large instance travels compressed without compressing on every request.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);
const TEXT = /\.(html|css|js|mjs|json|svg|txt|xml)$/;
const MIN_BYTES = 1024;

/** Files compressed at once: zlib works on libuv's thread pool, which has four threads. */
const PARALLEL = 4;

/** Compresses `only` (paths relative to `dir`), or every text file of `dir` outside its dot folders. */
export async function precompress(dir: string, only?: readonly string[]): Promise<void> {
  const files = only
    ? only.filter((f) => TEXT.test(f)).map((f) => join(dir, f))
    : (await readdir(dir, { withFileTypes: true, recursive: true }))
        .filter((e) => e.isFile() && TEXT.test(e.name) && !e.parentPath.slice(dir.length).includes('/.'))
        .map((e) => join(e.parentPath, e.name));
  let next = 0;
  const worker = async () => {
    while (next < files.length) await compressOne(files[next++]);
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
}

async function compressOne(path: string): Promise<void> {
  const body = await readFile(path);
  if (body.length < MIN_BYTES) return;
  // Brotli 5 and gzip 6 cost a fraction of their maximum levels for nearly the same size:
  // a rebuild of a thousand pages stays quick.
  const [br, gzipped] = await Promise.all([
    brotli(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }),
    gz(body, { level: 6 }),
  ]);
  await Promise.all([writeFile(`${path}.br`, br), writeFile(`${path}.gz`, gzipped)]);
}
