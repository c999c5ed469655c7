// A job's provenance as an RO-Crate 1.1 ro-crate-metadata.json following the Process Run Crate
// profile (https://w3id.org/ro/wfrun/process/0.5): the app's version is a SoftwareApplication,
// the job a CreateAction whose object is its inputs (and parameter values) and whose result is
// its outputs, each file with its SHA-256. Built from the store's record alone, so an archived
// job keeps its provenance; `present` says which files its crate.zip still holds.
import type { FileDigest } from '../../schemas/index.js';
import { LOG_FILE } from '../../common/files.js';
import type { App, Job, Version } from '../store/index.js';
import { imageDigestOf } from './result-cache.js';

const RO_CRATE_CONTEXT = 'https://w3id.org/ro/crate/1.1/context';
/**
 * The Workflow Run RO-Crate terms the crate uses beyond RO-Crate 1.1's, as
 * ad-hoc definitions in its @context, the way RO-Crate 1.1 extends a crate: the crate stays
 * readable offline, with no other context document to fetch.
 */
const WFRUN = 'https://w3id.org/ro/terms/workflow-run#';
const WFRUN_TERMS = { ContainerImage: `${WFRUN}ContainerImage`, containerImage: `${WFRUN}containerImage`, exitCode: `${WFRUN}exitCode`, sha256: `${WFRUN}sha256` };
const PROCESS_PROFILE = 'https://w3id.org/ro/wfrun/process/0.5';
export const METADATA_FILE = 'ro-crate-metadata.json';

type Entity = { '@id': string; '@type': string | string[]; [k: string]: unknown };
const ref = (id: string) => ({ '@id': id });

/** A file's path in the crate: where crate.zip puts it. */
export const cratePath = (kind: 'input' | 'output' | 'log', name: string): string => (kind === 'log' ? LOG_FILE : `${kind}s/${name}`);
/** A crate path as an @id: a relative URI, each segment percent-encoded. */
const idOf = (path: string): string => path.split('/').map(encodeURIComponent).join('/');

export interface CrateFiles {
  /** Unchanged inputs still in the job's folder (the others are only described). */
  inputs: FileDigest[];
  outputs: FileDigest[];
  log: FileDigest | null;
}

/** Which recorded files the crate holds: those still in the folder, inputs not written over. */
export function crateFiles(job: Job, present: ReadonlySet<string>): CrateFiles {
  const outputs = job.outputFiles ?? [];
  const written = new Set(outputs.map((f) => f.name));
  return {
    inputs: (job.inputFiles ?? []).filter((f) => present.has(f.name) && !written.has(f.name)),
    outputs: outputs.filter((f) => f.name !== LOG_FILE && present.has(f.name)),
    log: outputs.find((f) => f.name === LOG_FILE && present.has(f.name)) ?? null,
  };
}

export function roCrate(input: { job: Job; app: App; version: Version; publicUrl: string; files: CrateFiles }): { '@context': unknown[]; '@graph': Entity[] } {
  const { job, app, version, publicUrl, files } = input;
  const fileEntity = (id: string, f: FileDigest, description: string): Entity => ({ '@id': id, '@type': 'File', name: f.name, description, contentSize: String(f.size), sha256: f.sha256 });
  const inCrate = new Set(files.inputs.map((f) => f.name));
  const inputs = (job.inputFiles ?? []).map((f) =>
    // An input the job removed or wrote over is only described: its bytes are not in the crate.
    fileEntity(inCrate.has(f.name) ? idOf(cratePath('input', f.name)) : `#input-${encodeURIComponent(f.name)}`, f, inCrate.has(f.name) ? 'input file' : 'input file, no longer kept (the job removed or rewrote it)'),
  );
  const outputs = files.outputs.map((f) => fileEntity(idOf(cratePath('output', f.name)), f, 'output file'));
  const log = files.log ? [fileEntity(idOf(LOG_FILE), files.log, "the job's log: stdout and stderr as they came")] : [];
  const params: Entity[] = Object.entries(job.params ?? {}).map(([id, value]) => ({ '@id': `#param-${encodeURIComponent(id)}`, '@type': 'PropertyValue', name: id, value: Array.isArray(value) ? value.map(String) : String(value) }));
  if (job.param) params.push({ '@id': '#param', '@type': 'PropertyValue', name: 'param', value: job.param });
  const digest = imageDigestOf(version);
  const ids: Entity[] = [
    { '@id': '#image-digest', '@type': 'PropertyValue', propertyID: 'image-digest', value: digest },
    { '@id': '#commit', '@type': 'PropertyValue', propertyID: 'git-commit', value: version.commit },
    { '@id': '#manifest-digest', '@type': 'PropertyValue', propertyID: 'allgo.yaml-sha256', value: version.manifestDigest },
  ];
  const ok = job.result === 'success';
  const ended = job.finishedAt !== null;
  const action: Entity = {
    '@id': `#job-${job.id}`,
    '@type': 'CreateAction',
    name: `Job ${job.id} of ${app.name} ${version.label}`,
    description: job.argv ? `argv (secrets masked): ${JSON.stringify(job.argv)}` : 'argv not recorded (a job from before provenance)',
    instrument: ref('#app'),
    containerImage: ref('#image'),
    object: [...inputs.map((e) => ref(e['@id'])), ...params.map((e) => ref(e['@id']))],
    result: [...outputs, ...log].map((e) => ref(e['@id'])),
    ...(job.startedAt ? { startTime: job.startedAt } : {}),
    ...(job.finishedAt ? { endTime: job.finishedAt } : {}),
    actionStatus: ref(!ended ? 'http://schema.org/ActiveActionStatus' : ok ? 'http://schema.org/CompletedActionStatus' : 'http://schema.org/FailedActionStatus'),
    ...(ended && !ok && job.message ? { error: job.message } : {}),
    ...(job.exitCode !== null ? { exitCode: job.exitCode } : {}),
    location: `queue ${job.queue}${job.runner ? `, runner host ${job.runner}` : ''}${job.cachedFrom !== null ? `, served from the result cache (job ${job.cachedFrom})` : ''}`,
    url: `${publicUrl}/api/v1/jobs/${job.id}`,
  };
  const inZip = [...inputs.filter((e) => !e['@id'].startsWith('#')), ...outputs, ...log];
  return {
    '@context': [RO_CRATE_CONTEXT, WFRUN_TERMS],
    '@graph': [
      { '@id': METADATA_FILE, '@type': 'CreativeWork', conformsTo: ref('https://w3id.org/ro/crate/1.1'), about: ref('./') },
      {
        '@id': './',
        '@type': 'Dataset',
        name: `How job ${job.id} was made`,
        description: `Job ${job.id} of ${app.name} ${version.label} on allgo: its tool, parameters, inputs and outputs, each file with its SHA-256.`,
        datePublished: job.finishedAt ?? job.createdAt,
        conformsTo: ref(PROCESS_PROFILE),
        hasPart: inZip.map((e) => ref(e['@id'])),
        mentions: ref(action['@id']),
      },
      { '@id': PROCESS_PROFILE, '@type': 'CreativeWork', name: 'Process Run Crate', version: '0.5' },
      { '@id': '#app', '@type': 'SoftwareApplication', name: app.name, softwareVersion: version.label, url: `${publicUrl}/apps/${encodeURIComponent(app.name)}/`, identifier: ids.map((e) => ref(e['@id'])) },
      ...ids,
      { '@id': '#image', '@type': 'ContainerImage', additionalType: ref(`${WFRUN}DockerImage`), name: version.imageRepository ?? version.image, ...(/^sha256:[0-9a-f]{64}$/.test(digest) ? { sha256: digest.slice(7) } : {}) },
      action,
      ...inputs,
      ...params,
      ...outputs,
      ...log,
    ],
  };
}
