import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../schemas/index.js';

/** allgo's version (package.json): servers answer with it, runners report it. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
