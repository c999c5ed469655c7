// File names the server and the runner agree on in a job's folder.
// Browser-safe: the site imports this file, so it must not import Node modules.

/** stdout and stderr of the job, as they came; a job may not upload a file of this name. */
export const LOG_FILE = 'allgo.log';

/** Where a job's folder is mounted in its container (and its working directory): a file parameter's value is a path under it. */
export const JOB_DIR_IN_CONTAINER = '/job';
