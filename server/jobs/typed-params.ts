// A job's values and argv from its request and its version's manifest (the argv step of
// submit-job.ts). A version with `parameters` takes typed values (job[params][ID], files[ID]),
// checked against its input schema and refused with the parameter named; its free-text
// job[param] only with `free_params`. A version without them takes free text, as A||GO's did.
import type { ManifestParameter } from '../../schemas/index.js';
import { buildArgv } from '../../common/parameters/build-argv.js';
import { ParamValueError, ValueCheckers, type TypedValues, type ValueChecker } from '../../common/parameters/check-values.js';
import { maskSecrets } from '../../common/parameters/mask-secrets.js';
import { ParamsError } from '../../common/split-params.js';
import { BadParamError } from '../errors.js';
import type { Version } from '../store/index.js';

/** What a request says of the parameters. */
export interface ParamsRequest {
  /** A||GO's free text. */
  param: string;
  /** Typed values by id, as sent (text from a form, or JSON). */
  params: Record<string, unknown>;
  /** The staged file names sent as files[ID], by parameter id. */
  fileParams: Record<string, string[]>;
}

export interface ParamsPlan {
  argv: string[];
  /** The values to record and show: defaults in, secrets masked; null for a free-text version. */
  shown: TypedValues | null;
  /** The argv to record and show: `argv` with each secret's value masked. */
  shownArgv: string[];
  /** A value is a secret: allgo keeps it nowhere, so the job can be neither cached nor re-run. */
  secret: boolean;
}

/** The checkers of the versions seen so far: a version's parameters never change, so each is compiled once. */
export class VersionInputs {
  private readonly checkers = new ValueCheckers();
  private readonly byVersion = new Map<number, ValueChecker>();

  private checkerOf(v: Pick<Version, 'id'>, parameters: readonly ManifestParameter[]): ValueChecker {
    let c = this.byVersion.get(v.id);
    if (!c) {
      c = this.checkers.compile(parameters, { coerce: true });
      // A bound on memory, not a policy: versions are few, and a recompile is cheap.
      if (this.byVersion.size >= 1000) this.byVersion.clear();
      this.byVersion.set(v.id, c);
    }
    return c;
  }

  plan(v: Pick<Version, 'id' | 'label' | 'manifest'>, appName: string, request: ParamsRequest): ParamsPlan {
    const m = v.manifest;
    const parameters = m.parameters;
    if (!parameters) {
      const typed = [...Object.keys(request.params), ...Object.keys(request.fileParams)];
      if (typed.length) throw new BadParamError(typed[0], `${typed[0]}: ${appName} ${v.label} declares no typed parameters: send its parameters as free text in job[param]`);
      const argv = argvOf(m, {}, request.param);
      return { argv, shown: null, shownArgv: argv, secret: false };
    }
    if (!m.free_params && request.param.trim() !== '') {
      throw new BadParamError(null, `job[param]: ${appName} ${v.label} takes typed parameters (job[params][ID]: ${parameters.map((p) => p.id).join(', ')}), not free text`);
    }
    const byId = new Map(parameters.map((p) => [p.id, p]));
    const given: Record<string, unknown> = Object.create(null);
    for (const [id, value] of Object.entries(request.params)) {
      if (byId.get(id)?.type === 'file') throw new BadParamError(id, `${id}: a file parameter: send the file itself as files[${id}]`);
      given[id] = value;
    }
    for (const [id, names] of Object.entries(request.fileParams)) {
      const p = byId.get(id);
      if (!p) throw new BadParamError(id, `${id}: no such parameter (this version takes ${parameters.map((q) => q.id).join(', ')})`);
      if (p.type !== 'file') throw new BadParamError(id, `${id}: not a file parameter: send its value as job[params][${id}]`);
      if (!p.list && names.length > 1) throw new BadParamError(id, `${id}: takes one file (got ${names.length})`);
      given[id] = p.list ? names : names[0];
    }
    let values: TypedValues;
    try {
      values = this.checkerOf(v, parameters).check(given);
    } catch (err) {
      if (err instanceof ParamValueError) throw new BadParamError(err.param, err.message);
      throw err;
    }
    const shown = maskSecrets(parameters, values);
    const secret = parameters.some((p) => p.secret && values[p.id] !== undefined);
    const argv = argvOf(m, values, request.param);
    return { argv, shown, shownArgv: secret ? argvOf(m, shown, request.param) : argv, secret };
  }
}

function argvOf(m: Version['manifest'], values: TypedValues, param: string): string[] {
  try {
    return buildArgv(m, values, param);
  } catch (err) {
    if (err instanceof ParamsError) throw new BadParamError(null, `job[param]: ${err.message}`);
    throw err;
  }
}
