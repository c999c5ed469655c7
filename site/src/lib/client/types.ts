// Shapes the browser-side elements pass each other.

/** What the run form needs to know of an app, from the catalog or from the API. */
export interface RunFormApp {
  name: string;
  presets: { name: string; params: string }[];
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
