// GET /api/v1/jobs/N is serialized from its schema, yet keeps A||GO's first two keys in order.
import { describe, expect, it } from 'vitest';
import { jobStatusSerializers } from '../../server/routes/job-status-serializer.js';
import { def } from '../../server/routes/api-schemas.js';
import type { JobStatus } from '../../schemas/index.js';

const serialize = jobStatusSerializers({ schema: def('JobStatus'), method: 'GET', url: '/api/v1/jobs/:id', httpStatus: '200' }) as (b: JobStatus) => string;

const job: JobStatus = {
  12: { 'allgo.log': 'http://x/datastore/12/k/allgo.log' },
  status: 'done',
  id: 12,
  app: 'probe',
  version: '1.0',
  param: '',
  params: null,
  queue: 'standard',
  state: 'done',
  result: 'success',
  exit_code: 0,
  message: 'exited with code 0',
  created_at: '2026-01-01T00:00:00.000Z',
  started_at: null,
  finished_at: null,
  url: 'http://x/api/v1/jobs/12',
  files: [{ name: 'allgo.log', size: 3, url: 'http://x/datastore/12/k/allgo.log', kind: 'log' }],
};

describe('the job status serializer', () => {
  it('writes "<id>" then "status" first, then the rest as the schema has them', () => {
    const out = JSON.parse(serialize(job)) as Record<string, unknown>;
    expect(Object.keys(out).slice(0, 2)).toEqual(['12', 'status']);
    expect(out).toEqual(job);
  });

  it('leaves out what the schema does not declare', () => {
    const out = JSON.parse(serialize({ ...job, secret: 'x', files: [{ ...job.files[0], path: '/host' } as JobStatus['files'][number]] })) as Record<string, unknown>;
    expect(out).not.toHaveProperty('secret');
    expect(out.files).toEqual(job.files);
  });
});
