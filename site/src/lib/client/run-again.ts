// "Run the app again": the job page links to the app page with ?version=&queue=&param=&from=N.
// The run form reads them here, and offers the files of job N to upload again.
import { client } from './api.js';
import type { JobFile } from './job-files.js';

export interface RunAgain {
  version: string | null;
  queue: string | null;
  param: string | null;
  from: string | null;
}

export function readRunAgain(search: string): RunAgain {
  const q = new URLSearchParams(search);
  const from = q.get('from');
  return { version: q.get('version'), queue: q.get('queue'), param: q.get('param'), from: from && /^\d+$/.test(from) ? from : null };
}

/** The files of job `id` worth uploading again: its inputs. */
export async function reusableFiles(id: string): Promise<JobFile[]> {
  const job = await client().job(Number(id));
  return job.files.filter((f) => f.kind === 'input');
}

/** A job's file fetched back from its download link, ready for the form's FormData. */
export async function fetchAsFile(f: JobFile): Promise<File> {
  const res = await fetch(f.url);
  if (!res.ok) throw new Error(`${f.name}: ${res.status} ${res.statusText}`);
  return new File([await res.blob()], f.name);
}
