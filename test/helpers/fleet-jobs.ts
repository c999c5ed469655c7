// Waiting on jobs of allgo on test hosts (support/fleet-platform.ts), bounded.
import { jobWhenDone } from './job-done.js';
import type { FleetPlatform } from '../../support/fleet-platform.js';

/** The job once `done`; fails after `ms` naming its last status. */
export function done(p: FleetPlatform, id: number, ms = 120_000): Promise<Record<string, unknown>> {
  return jobWhenDone(id, () => p.job(id), ms);
}

/** A job's output, by name, as anyone with its URL downloads it. */
export async function download(job: Record<string, unknown>, name: string): Promise<string> {
  const urls = job[String(job.id)] as Record<string, string>;
  if (!urls[name]) throw new Error(`job ${String(job.id)} has no file ${name}: ${Object.keys(urls).join(', ')}`);
  return (await fetch(urls[name], { signal: AbortSignal.timeout(30_000) })).text();
}
