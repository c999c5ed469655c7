// npm run lint, part 1: import cycles, and imports across the arrows of lint/arrows.cjs.
const { ROOMS, ARROWS } = require('./arrows.cjs');

const names = Object.keys(ROOMS);
/** One allowed rule per room: from its files (not those of a more specific room listed before it) to its own room and its arrows. */
const allowed = names.map((room, i) => ({
  from: { path: ROOMS[room], pathNot: names.slice(0, i).map((r) => ROOMS[r]) },
  to: { path: [room, ...ARROWS[room]].map((r) => ROOMS[r]) },
}));
const PACKAGES = ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown', 'core'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'An import cycle: break it by moving what both need down a room.', from: {}, to: { circular: true } },
    { name: 'not-to-unresolvable', severity: 'error', from: {}, to: { couldNotResolve: true } },
    {
      name: 'browser-safe',
      severity: 'error',
      comment: 'The site loads these in a browser: no Node module, no package.',
      from: { path: [ROOMS['common/browser'], ROOMS['client/browser']] },
      to: { dependencyTypes: PACKAGES },
    },
    {
      name: 'not-to-dev-dep',
      severity: 'error',
      comment: 'What is built into dist/ runs without devDependencies.',
      from: { path: '^(schemas|common|server|builder|runner|client|cli)/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  allowed: [...allowed, { from: {}, to: { dependencyTypes: PACKAGES } }],
  allowedSeverity: 'error',
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|\\.astro)/|^site/src/env\\.d\\.ts$' },
    tsConfig: { fileName: 'tsconfig.check.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.mjs', '.json'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
