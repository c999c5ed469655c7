// Issue 9, finding 6: a job with 100k small files made its every GET 21 MB long. Its answer
// names at most LISTED_FILES files (log and inputs first), says how many there are, and the
// zip carries them all.
import { describe, expect, it } from 'vitest';
import { jobStatus, LISTED_FILES } from '../../server/routes/job-bodies.js';
import { jobStatusSerializers } from '../../server/routes/job-status-serializer.js';
import { def } from '../../server/routes/api-schemas.js';
import type { JobStatus } from '../../schemas/index.js';
import type { Job } from '../../server/store/index.js';

const job = { id: 7, appName: 'probe', versionLabel: '1.0', param: '', params: null, queue: 'standard', state: 'done', result: 'success', exitCode: 0, message: 'ok', createdAt: '2026-01-01T00:00:00.000Z', startedAt: null, finishedAt: null, inputs: ['z-input.csv'] } as unknown as Job;
const base = { publicUrl: 'http://x' };
const serialize = jobStatusSerializers({ schema: def('JobStatus'), method: 'GET', url: '/api/v1/jobs/:id', httpStatus: '200' }) as (b: JobStatus) => string;
const outputs = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `f${String(i).padStart(6, '0')}`, size: 1 }));

describe("a job's answer and its files", () => {
  it('names every file of a job that has few, and no files_total', () => {
    const files = [{ name: 'allgo.log', size: 5 }, { name: 'z-input.csv', size: 3 }, ...outputs(10)];
    const out = JSON.parse(serialize(jobStatus(base, job, 'k', files, null))) as JobStatus;
    expect(out.files).toHaveLength(12);
    expect(out).not.toHaveProperty('files_total');
  });

  it(`names at most ${LISTED_FILES} of a job with 100,000 files, log and inputs first, and says how many there are`, () => {
    const files = [...outputs(100_000), { name: 'z-input.csv', size: 3 }, { name: 'allgo.log', size: 5 }];
    const text = serialize(jobStatus(base, job, 'k', files, null));
    const out = JSON.parse(text) as JobStatus;
    expect(out.files).toHaveLength(LISTED_FILES);
    expect(out.files.slice(0, 2).map((f) => [f.name, f.kind])).toEqual([['allgo.log', 'log'], ['z-input.csv', 'input']]);
    expect(out.files[2].name).toBe('f000000');
    expect(Object.keys(out['7'] as Record<string, string>)).toHaveLength(LISTED_FILES);
    expect(out.files_total).toBe(100_002);
    // About 200 KB where the whole list would be about 20 MB.
    expect(text.length).toBeLessThan(300 * 1024);
  });
});
