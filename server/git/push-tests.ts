// A manifest's push-time tests, made ready for the builder: each case's argv built as a job's
// would be (typed values checked the same way), its inputs read from the pushed commit. A case
// that could never run as written refuses the push here, before anything is built.
import { basename } from 'node:path';
import type { AllgoManifest, BuildPayload, ManifestTestCase } from '../../schemas/index.js';
import { DEFAULT_JOB_MEMORY_MB } from '../../common/manifest.js';
import { LOG_FILE } from '../../common/files.js';
import { VersionInputs } from '../jobs/typed-params.js';
import { BadParamError } from '../errors.js';
import { PushRefusal, type Pushed } from './push-checks.js';

type PayloadTests = NonNullable<BuildPayload['tests']>;

/** All the cases' inputs together: they travel in the build's payload. */
const INPUTS_MAX_BYTES = 8 * 1024 * 1024;
const DEFAULT_TIMEOUT_S = 60;

export async function readTests(at: Pushed, manifest: AllgoManifest, app: string): Promise<PayloadTests> {
  const cases = manifest.tests ?? [];
  const inputs = new VersionInputs();
  const names = new Set<string>();
  let budget = INPUTS_MAX_BYTES;
  const out: PayloadTests = [];
  for (const c of cases) {
    const refuse = (why: string) => new PushRefusal('test_invalid', `allgo.yaml: test ${c.name}: ${why}`);
    if (names.has(c.name)) throw refuse('another test has this name');
    names.add(c.name);
    const files: PayloadTests[number]['inputs'] = [];
    for (const path of c.inputs ?? []) {
      const read = await at.repos.readFile(at.repo, at.commit, path.replace(/^\.\//, ''), budget, at.env);
      if (!read) throw refuse(`input ${path} is not a file of commit ${at.commit.slice(0, 12)}`);
      if ('tooBig' in read) throw refuse(`its inputs go over ${INPUTS_MAX_BYTES / 1024 / 1024} MB for all the tests together; use smaller test files`);
      budget -= read.data.length;
      const name = basename(path);
      if (files.some((f) => f.name === name)) throw refuse(`two inputs are named ${name}`);
      files.push({ name, data: read.data.toString('base64') });
    }
    const expect = c.expect ?? {};
    for (const name of [...(expect.files ?? []), ...Object.keys({ ...expect.contains, ...expect.matches, ...expect.sha256 })]) {
      // One name in the job's folder: a path through a folder the test made could lead anywhere.
      if (name.includes('/') || name === '.' || name === '..') throw refuse(`expects "${name}": name a file of the job's folder (no "/"), or ${LOG_FILE} for its output`);
    }
    for (const [name, pattern] of Object.entries(expect.matches ?? {})) {
      try {
        new RegExp(pattern, 'm');
      } catch (err) {
        throw refuse(`matches.${name} is not a regular expression: ${(err as Error).message}`);
      }
    }
    out.push({
      name: c.name,
      argv: argvOf(c, manifest, app, files.map((f) => f.name), refuse),
      inputs: files,
      timeoutMs: Math.round((c.timeout ?? DEFAULT_TIMEOUT_S) * 1000),
      memoryMb: manifest.memory ?? DEFAULT_JOB_MEMORY_MB,
      ...(manifest.cpus ? { cpus: manifest.cpus } : {}),
      expect,
    });
  }
  return out;

  function argvOf(c: ManifestTestCase, m: AllgoManifest, appName: string, inputNames: string[], refuse: (why: string) => PushRefusal): string[] {
    const byId = new Map((m.parameters ?? []).map((p) => [p.id, p]));
    const params: Record<string, unknown> = {};
    const fileParams: Record<string, string[]> = {};
    if (c.params && typeof c.params === 'object') {
      for (const [id, value] of Object.entries(c.params)) {
        if (byId.get(id)?.type !== 'file') {
          params[id] = value;
          continue;
        }
        const given = (Array.isArray(value) ? value : [value]).map(String);
        const missing = given.find((n) => !inputNames.includes(n));
        if (missing) throw refuse(`parameter ${id} names ${missing}, which is not one of its inputs`);
        fileParams[id] = given;
      }
    }
    try {
      return inputs.plan({ id: 0, label: m.version, manifest: m }, appName, { param: typeof c.params === 'string' ? c.params : '', params, fileParams }).argv;
    } catch (err) {
      if (err instanceof BadParamError) throw refuse(err.message);
      throw err;
    }
  }
}
