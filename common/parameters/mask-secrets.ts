import type { ManifestParameter, ParameterValue } from '../../schemas/index.js';

/** What a secret's value is shown as, wherever a job's values are shown or kept. */
const MASKED = '********';

/** The values with each secret's replaced: only the run payload carries a secret's value. */
export function maskSecrets(parameters: readonly ManifestParameter[], values: Readonly<Record<string, ParameterValue>>): Record<string, ParameterValue> {
  const secret = new Set(parameters.filter((p) => p.secret).map((p) => p.id));
  return Object.fromEntries(Object.entries(values).map(([id, v]) => [id, secret.has(id) ? MASKED : v]));
}
