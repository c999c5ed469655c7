// The published standards documents that tests validate against (Boutiques' descriptor schema,
// GA4GH TES): the `shared/standards` folder beside the project's checkout, read there and never
// copied into the project. A clone made elsewhere (a fresh clone in /tmp, as CI makes) finds
// it beside the repository it was cloned from. ALLGO_STANDARDS_DIR names another folder.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

/** This project's machine keeps them here (the brief's ../shared beside /work/main). */
const MACHINE_FOLDER = '/work/shared/standards';

function originPath(): string | null {
  try {
    const url = execFileSync('git', ['remote', 'get-url', 'origin'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const path = url.replace(/^file:\/\//, '');
    return isAbsolute(path) ? path : null;
  } catch {
    return null;
  }
}

/** Folders named `<above>/shared/standards` for each folder above `start`. */
function besideEachParent(start: string): string[] {
  const out: string[] = [];
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) out.push(join(dirname(dir), 'shared', 'standards'));
  return out;
}

/** The path of standards document `name`; throws, naming where it looked, when none has it. */
export function standardFile(name: string): string {
  const origin = originPath();
  const folders = [
    ...(process.env.ALLGO_STANDARDS_DIR ? [process.env.ALLGO_STANDARDS_DIR] : []),
    ...besideEachParent(process.cwd()),
    ...(origin ? besideEachParent(origin) : []),
    MACHINE_FOLDER,
  ];
  for (const folder of folders) {
    const file = join(folder, name);
    if (existsSync(file)) return file;
  }
  throw new Error(`no standards document ${name} in any of: ${folders.join(', ')} (set ALLGO_STANDARDS_DIR)`);
}
