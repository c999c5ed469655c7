// The rooms of allgo and the arrows between them, written once. A file belongs to the first
// room whose pattern matches its path; it may import files of its own room, of the rooms its
// room lists, and packages. Nothing else. dependency-cruiser (lint/dependency-cruiser.cjs)
// checks every .ts and .mjs file against this table, eslint (lint/eslint.config.mjs) the
// site's .astro files, which dependency-cruiser cannot read.

/** Room → the path of its files, most specific first. */
const ROOMS = {
  schemas: '^schemas/',
  // The parts of common/ and client/ the site may load in a browser: no Node imports.
  'common/browser': '^common/(states|names|files)\\.ts$',
  common: '^common/',
  server: '^server/',
  builder: '^builder/',
  runner: '^runner/',
  'client/browser': '^client/browser/',
  client: '^client/',
  // The CLI's client commands talk to a server through client/, never to its code.
  'cli/commands': '^cli/commands/',
  'cli/lib': '^cli/lib/',
  // main.ts and roles.ts start the platform's processes: the one place that imports roles.
  cli: '^cli/',
  site: '^site/',
  // Dev-time only, never built: what tests and benchmarks share.
  support: '^support/',
  test: '^test/',
  bench: '^bench/',
  scripts: '^scripts/',
};

const CONTRACT = ['common', 'schemas'];
const ROLES = ['server', 'builder', 'runner', 'client', ...CONTRACT];

/** Room → the rooms it may import besides itself. */
const ARROWS = {
  schemas: [],
  'common/browser': ['schemas'],
  common: ['schemas'],
  server: CONTRACT,
  builder: CONTRACT,
  runner: CONTRACT,
  'client/browser': ['common/browser', 'schemas'],
  client: CONTRACT,
  'cli/lib': ['client', ...CONTRACT],
  'cli/commands': ['cli/lib', 'client', ...CONTRACT],
  cli: ROLES,
  site: ['client/browser', 'common/browser', 'schemas'],
  support: ['cli', ...ROLES],
  test: ['support', 'cli', 'site', ...ROLES],
  bench: ['support', 'cli', ...ROLES],
  scripts: [],
};

module.exports = { ROOMS, ARROWS };
