// The `allgo` client commands' exit codes, documented in `allgo --help`. Scripts rely on them.
import type { JobResult } from '../../client/index.js';

export const EXIT = {
  ok: 0,
  /** The server refused the request, or could not be reached. */
  failed: 1,
  usage: 2,
  /** No token, or the token was refused. */
  auth: 3,
  jobError: 4,
  jobTimeout: 5,
  jobAborted: 6,
} as const;

export const EXIT_CODES_HELP = `exit codes (client commands):
  0  done; for "run --wait", the job's result is success
  1  the server refused the request or could not be reached (the message says why)
  2  bad command line
  3  no token, or the server refused it
  4  run --wait: the job ended in error (non-zero exit, out of memory, …)
  5  run --wait: the job went over its queue's time limit
  6  run --wait: the job was cancelled`;

export function exitCodeOf(result: JobResult | null): number {
  switch (result) {
    case 'success':
      return EXIT.ok;
    case 'timeout':
      return EXIT.jobTimeout;
    case 'aborted':
      return EXIT.jobAborted;
    default:
      return EXIT.jobError;
  }
}
