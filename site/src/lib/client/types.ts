// Shapes the browser-side elements pass each other.

import type { Parameter } from './param-fields';

/** What a version takes: its typed parameters, and whether free text too. */
export interface VersionInputs {
  parameters: Parameter[];
  free_params: boolean;
}

/** What the run form needs to know of an app, from the catalog or from the API. */
export interface RunFormApp {
  name: string;
  presets: { name: string; params: string; values?: Record<string, unknown> }[];
  /** By version label. */
  inputs: Record<string, VersionInputs>;
  versions: string[];
  latest: string | null;
  queue: string;
  queues: { name: string; time_limit_seconds: number }[];
  input_limit: number | null;
}

/** The run form's current choices: the API panel shows them as a curl command. */
export interface RunChoices {
  app: string;
  param: string;
  version: string;
  queue: string;
  files: string[];
}
