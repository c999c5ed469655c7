// The "Use the API" commands, as A||GO documented them, for one app and the form's choices.
// Shared by the build (the page as served) and the browser (kept in step with the form).

const TOKEN_PLACEHOLDER = '<your_private_token>';
/** Stands for the server's address in a page built without a public URL, until its script runs. */
export const SERVER_PLACEHOLDER = 'http://this-server';

/** Quotes a word for a POSIX shell: safe whatever the parameters hold. */
const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export interface CurlChoices {
  publicUrl: string;
  app: string;
  param: string;
  version?: string;
  queue?: string;
  /** Names of the files to upload; placeholders when none are chosen. */
  files: readonly string[];
  token?: string | null;
}

export function submitCommand(c: CurlChoices): string {
  const auth = shellQuote(`Authorization: Token token=${c.token || TOKEN_PLACEHOLDER}`);
  // -F reads a file when the value starts with @ or <: parameters go as plain strings.
  const paramFlag = /^[@<]/.test(c.param) ? '--form-string' : '-F';
  const lines = [`curl -H ${auth} -X POST`, `-F ${shellQuote(`job[webapp_id]=${c.app}`)}`, `${paramFlag} ${shellQuote(`job[param]=${c.param}`)}`];
  if (c.version) lines.push(`-F ${shellQuote(`job[version]=${c.version}`)}`);
  if (c.queue) lines.push(`-F ${shellQuote(`job[queue]=${c.queue}`)}`);
  const files = c.files.length ? c.files : ['<path_to_file0>', '<path_to_file1>'];
  files.forEach((f, i) => lines.push(`-F ${shellQuote(`files[${i}]=@${f}`)}`));
  lines.push(`${c.publicUrl}/api/v1/jobs`);
  return lines.join(' \\\n     ');
}

export function resultCommand(publicUrl: string, token?: string | null, jobId: string | number = '<job_id>'): string {
  return `curl -H ${shellQuote(`Authorization: Token token=${token || TOKEN_PLACEHOLDER}`)} ${publicUrl}/api/v1/jobs/${jobId}`;
}
