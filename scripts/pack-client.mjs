#!/usr/bin/env node
// Packs the `allgo` command for users' machines: the client commands and the client library,
// without the platform (Fastify, SQLite, Astro, Docker). `npm install -g` of the tarball it
// writes gives a user the `allgo` command and nothing to compile.
//
//   npm run pack:client            # → dist-client/allgo-cli-<version>.tgz
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist-client');
const pkgDir = join(out, 'package');
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// What the client commands load at run time (checked by test/integration/client-package.test.ts).
const RUNTIME_DEPS = ['ajv', 'yaml'];
const FOLDERS = ['cli', 'client', 'common', 'schemas'];

rmSync(out, { recursive: true, force: true });
mkdirSync(pkgDir, { recursive: true });
for (const f of FOLDERS) {
  cpSync(join(root, 'dist', f), join(pkgDir, 'dist', f), { recursive: true, filter: (p) => !p.endsWith('.map') });
}
// The schemas are read from <package root>/schemas at run time (schemas/index.ts).
mkdirSync(join(pkgDir, 'schemas'));
for (const f of readdirSync(join(root, 'schemas')).filter((n) => n.endsWith('.schema.json'))) cpSync(join(root, 'schemas', f), join(pkgDir, 'schemas', f));

const pkg = {
  name: 'allgo-cli',
  version: rootPkg.version,
  description: 'The allgo command and client library: run the apps of an allgo server from your machine',
  type: 'module',
  license: rootPkg.license,
  engines: rootPkg.engines,
  bin: { allgo: 'dist/cli/main.js' },
  exports: rootPkg.exports,
  dependencies: Object.fromEntries(RUNTIME_DEPS.map((d) => [d, rootPkg.dependencies[d]])),
};
writeFileSync(join(pkgDir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', out], { cwd: pkgDir, encoding: 'utf8' }).trim().split('\n').pop();
process.stdout.write(`${join(out, tarball)}\n`);
