// Names every role checks the same way. The rule is schemas/names.schema.json's, read from
// that file, so the store, the git server, `allgo init` and the site cannot drift apart.
// Browser-safe: the site imports this file, so it must not import Node modules.
import names from '../schemas/names.schema.json' with { type: 'json' };

const appName = names.$defs.AppName;

/** The rule in words, for refusals. */
export const APP_NAME_RULE: string = appName.description;
const APP_NAME = new RegExp(appName.pattern);

export const isValidAppName = (n: string): boolean => APP_NAME.test(n);

/**
 * How a Dockerfile names an app version's image, to build on it. No engine tag has this name:
 * the pre-receive check resolves it to the image's id, for public apps and the pusher's own.
 */
export const appImageName = (app: string, version: string): string => `allgo/${app}:${version}`;

/**
 * The engine tag of an app version's image: under the installation's own namespace, a name no
 * push can name (the pre-receive check refuses names starting with "allgo") and that differs
 * between installations sharing an engine. Jobs run images by id; the tag keeps the image from
 * being pruned as dangling and lets an admin find it.
 */
export const imageTag = (namespace: string, app: string, version: string): string => `allgo-${namespace}/${app}:${version}`;

const runnerName = names.$defs.RunnerName;
const label = names.$defs.Label;
export const RUNNER_NAME_RULE: string = runnerName.description;
export const LABEL_RULE: string = label.description;
const RUNNER_NAME = new RegExp(runnerName.pattern);
const LABEL = new RegExp(label.pattern);
export const isValidRunnerName = (n: string): boolean => RUNNER_NAME.test(n);
export const isValidLabel = (l: string): boolean => LABEL.test(l);
