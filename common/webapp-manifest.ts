// A manifest's kind: what allgo.schema.json cannot say about it, checked at the push like the
// parameters (a webapp needs its port; the webapp-only fields mean nothing to a job), and a
// webapp's settings with their defaults filled in.
import type { AllgoManifest } from '../schemas/index.js';
import { parseDuration } from './duration.js';
import type { ParameterProblem } from './parameters/check-parameters.js';

const WEBAPP_ONLY = ['port', 'health', 'idle_timeout', 'max_age'] as const;

export function checkKind(m: AllgoManifest): ParameterProblem[] {
  const problems: ParameterProblem[] = [];
  if (m.kind !== 'webapp') {
    for (const f of WEBAPP_ONLY) {
      if (m[f] !== undefined) problems.push({ path: [f], message: `\`${f}\` is for \`kind: webapp\` apps; add \`kind: webapp\` or remove it` });
    }
    return problems;
  }
  if (m.port === undefined) problems.push({ path: ['kind'], message: 'a webapp needs `port`: the TCP port it listens on inside its container, e.g. `port: 8000`' });
  for (const f of ['idle_timeout', 'max_age'] as const) {
    if (m[f] !== undefined && parseDuration(m[f]) < 1000) problems.push({ path: [f], message: `\`${f}\` must be at least 1s` });
  }
  if (m.parameters?.length) problems.push({ path: ['parameters'], message: 'a webapp takes no `parameters`: it is started, not run with arguments' });
  return problems;
}

export interface WebappSettings {
  port: number;
  /** A path that must answer 2xx before the session is ready; null: the port accepting is enough. */
  health: string | null;
  idleTimeoutMs: number;
  maxAgeMs: number;
}

export const isWebapp = (m: AllgoManifest): boolean => m.kind === 'webapp';

/** A webapp's settings (the push checked them), defaults filled in: idle 30 min, at most 8 h. */
export function webappSettings(m: AllgoManifest): WebappSettings {
  return {
    port: m.port ?? 80,
    health: m.health ?? null,
    idleTimeoutMs: parseDuration(m.idle_timeout ?? '30m'),
    maxAgeMs: parseDuration(m.max_age ?? '8h'),
  };
}
