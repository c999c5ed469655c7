// Names every role checks the same way. The rule is schemas/names.schema.json's, read from
// that file, so the store, the git server, `allgo init` and the site cannot drift apart.
// Browser-safe: the site imports this file, so it must not import Node modules.
import names from '../schemas/names.schema.json' with { type: 'json' };

const appName = names.$defs.AppName;

/** The rule in words, for refusals. */
export const APP_NAME_RULE: string = appName.description;
const APP_NAME = new RegExp(appName.pattern);

export const isValidAppName = (n: string): boolean => APP_NAME.test(n);

/** An app version's image tag. Jobs run the image by its id; the tag is for people and builds. */
export const imageTag = (app: string, version: string): string => `allgo/${app}:${version}`;
