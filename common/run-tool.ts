// The programs an image export runs (tar, mksquashfs), each fed a stream or a folder and judged by its
// exit code; what it printed on stderr says why it failed.
import { spawn } from 'node:child_process';
import { pipeline } from 'node:stream/promises';

/** A tool of the export failed, or is not installed. */
class ExportToolError extends Error {
  override name = 'ExportToolError';
}

const STDERR_KEEP = 4096;

/** What to install for a missing tool (Debian's package names). */
const PACKAGES: Record<string, string> = { mksquashfs: 'squashfs-tools', tar: 'tar' };

export async function runTool(cmd: string, args: readonly string[], stdin?: NodeJS.ReadableStream): Promise<void> {
  const child = spawn(cmd, args, { stdio: [stdin ? 'pipe' : 'ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-STDERR_KEEP)));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  try {
    // The tool's exit is awaited even when feeding it failed, so no process is left behind.
    const fed = stdin ? pipeline(stdin, child.stdin!).catch((err: Error) => err) : Promise.resolve(undefined);
    const [code, feedError] = await Promise.all([exited, fed]);
    if (code !== 0) throw new ExportToolError(`${cmd} ended with code ${code}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`);
    if (feedError) throw feedError;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ExportToolError(`${cmd} is not installed on the server (apt install ${PACKAGES[cmd] ?? cmd})`);
    child.kill('SIGKILL');
    throw err;
  }
}
