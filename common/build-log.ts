// Lines the builder writes into a build log for its readers, and that the push output treats
// apart: Docker's raw error text is for the build log, the push says it in words.
export const RAW_DOCKER_ERROR = 'Docker said: ';
