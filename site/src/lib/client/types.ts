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

/** GET /api/v1/apps/<name>, as far as the site reads it. */
export interface ApiAppDetail {
  id: number;
  name: string;
  title: string;
  description: string;
  owner: string;
  tags: string[];
  private: boolean;
  latest_version: string | null;
  updated_at: string;
  contact: string | null;
  queue: string;
  presets: { name: string; params: string }[];
  input_limit: number | null;
  versions: { version: string; state: 'building' | 'ready' | 'failed'; commit: string; created_at: string; finished_at: string | null; error?: string | null }[];
  git_url?: string;
}
