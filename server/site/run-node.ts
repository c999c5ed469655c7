// A child Node process for one step of a site build (astro build, a render of some pages):
// killed past its time limit or on abort, its output's tail kept for the error.
import { spawn } from 'node:child_process';

const OUTPUT_TAIL = 16 * 1024;

/**
 * A build that ran but made no site.
 * @public for callers' instanceof, as other error classes
 */
export class SiteBuildError extends Error {
  override name = 'SiteBuildError';
}

export interface NodeStep {
  /** What it is, for errors ("astro build"). */
  what: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  input?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Runs the step; resolves with its stdout, rejects with a SiteBuildError holding its output's tail. */
export function runNode(step: NodeStep): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, step.args, {
      cwd: step.cwd,
      env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1', NODE_ENV: 'production', ...step.env },
      stdio: [step.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      signal: step.signal,
      timeout: step.timeoutMs,
      killSignal: 'SIGKILL',
    });
    let tail = '';
    let stdout = '';
    const keep = (chunk: Buffer) => (tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      keep(chunk);
    });
    child.stderr!.on('data', keep);
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(step.input);
    child.on('error', (err) => reject(err.name === 'AbortError' ? err : new SiteBuildError(`could not run ${step.what}: ${err.message}`)));
    child.on('close', (code, sig) => {
      if (code === 0) resolve(stdout);
      else reject(new SiteBuildError(`${step.what} ${sig ? `was killed (${sig})` : `exited with ${code}`}:\n${tail.trim()}`));
    });
  });
}
