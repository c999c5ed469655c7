// A job's RO-Crate from its record alone (server/provenance/ro-crate.ts): which files the crate
// holds, what an input the job removed becomes, and that the whole expands as JSON-LD with
// RO-Crate 1.1's context and no warning (test/helpers/json-ld.ts).
import { describe, it, expect } from 'vitest';
import type { App, Job, Version } from '../../server/store/index.js';
import { crateFiles, roCrate } from '../../server/provenance/ro-crate.js';
import { expandWithWarnings } from '../helpers/json-ld.js';

const h = (c: string) => c.repeat(64);
const app = { id: 1, name: 'tool', private: false } as App;
const version = { id: 2, label: '2.0', commit: 'c'.repeat(40), manifestDigest: h('d'), image: 'allgo/tool:2.0', imageId: `sha256:${h('e')}`, imageDigest: null, imageRepository: null } as Version;
const job = {
  id: 7, appName: 'tool', versionLabel: '2.0', state: 'done', result: 'error', exitCode: 3, message: 'exited with code 3', queue: 'standard', runner: 'host-a',
  param: '', params: { n: 3, tags: ['a', 'b'] }, argv: ['/bin/tool', '-n', '3', 'my file.txt'], createdAt: '2026-01-01T00:00:00.000Z', startedAt: '2026-01-01T00:00:01.000Z', finishedAt: '2026-01-01T00:00:02.000Z',
  inputFiles: [{ name: 'my file.txt', size: 4, sha256: h('1') }, { name: 'gone.txt', size: 1, sha256: h('2') }],
  outputFiles: [{ name: 'out.csv', size: 9, sha256: h('3') }, { name: 'allgo.log', size: 20, sha256: h('4') }],
  cachedFrom: null, rerunOf: null, notReproduced: null,
} as unknown as Job;

type Entity = Record<string, unknown> & { '@id': string };

describe('a job\'s RO-Crate', () => {
  const files = crateFiles(job, new Set(['my file.txt', 'out.csv', 'allgo.log']));
  const crate = roCrate({ job, app, version, publicUrl: 'https://allgo.example', files });
  const byId = new Map((crate['@graph'] as Entity[]).map((e) => [e['@id'], e]));

  it('holds the files still in the folder; an input the job removed is only described', () => {
    expect(files).toEqual({ inputs: [job.inputFiles![0]], outputs: [job.outputFiles![0]], log: job.outputFiles![1] });
    expect(byId.get('./')!.hasPart).toEqual([{ '@id': 'inputs/my%20file.txt' }, { '@id': 'outputs/out.csv' }, { '@id': 'allgo.log' }]);
    expect(byId.get('#input-gone.txt')).toMatchObject({ '@type': 'File', sha256: h('2'), description: expect.stringContaining('no longer kept') });
  });

  it('says the job failed, with its exit code, values, image and where it ran', () => {
    expect(byId.get('#job-7')).toMatchObject({
      actionStatus: { '@id': 'http://schema.org/FailedActionStatus' }, error: 'exited with code 3', exitCode: 3,
      startTime: job.startedAt, endTime: job.finishedAt, location: 'queue standard, runner host host-a',
      object: [{ '@id': 'inputs/my%20file.txt' }, { '@id': '#input-gone.txt' }, { '@id': '#param-n' }, { '@id': '#param-tags' }],
    });
    expect(byId.get('#param-tags')).toMatchObject({ '@type': 'PropertyValue', name: 'tags', value: ['a', 'b'] });
    expect(byId.get('#image')).toMatchObject({ '@type': 'ContainerImage', sha256: h('e') });
    expect(byId.get('#image-digest')).toMatchObject({ value: `sha256:${h('e')}` });
  });

  it('expands as JSON-LD with RO-Crate 1.1\'s context and no warning', async () => {
    expect((await expandWithWarnings(crate)).warnings).toEqual([]);
  });
});
