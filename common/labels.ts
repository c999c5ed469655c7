// Docker labels: the builder and the server put them on images, the runner on job containers,
// and a restarted runner finds its containers again by them.

/** On images: which app, version, commit and manifest an image was built from. */
export const IMAGE_LABELS = {
  app: 'allgo.app',
  version: 'allgo.version',
  commit: 'allgo.commit',
  manifestDigest: 'allgo.manifest-digest',
} as const;

/** On job containers: the job id, the installation that runs it, its queue and attempt. */
export const CONTAINER_LABELS = {
  job: 'allgo.job',
  instance: 'allgo.instance',
  queue: 'allgo.queue',
  /** Which attempt of the job: a container of an attempt that was started again elsewhere is removed. */
  attempt: 'allgo.attempt',
} as const;
