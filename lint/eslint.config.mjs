// npm run lint, part 2: the arrows of lint/arrows.cjs for the site's .astro files (their
// frontmatter and their <script>s), which dependency-cruiser cannot read. eslint sees only
// the import's text, so a path climbing out of site/ is matched by the room it names.
import astro from 'eslint-plugin-astro';
import tsParser from '@typescript-eslint/parser';
import globals from 'globals';
import arrows from './arrows.cjs';

const { ROOMS, ARROWS } = arrows;

/** A room's path pattern, as the text of a relative import that climbs to the repository root. */
const climbingTo = (room) => '(?:\\.\\./)+(?:' + ROOMS[room].replace(/^\^/, '').replace(/\\\.ts\$$/, '(?:\\.ts|\\.js)?$') + ')';
const anyOf = (rooms) => `(?:${rooms.map(climbingTo).join('|')})`;
// Every room but the site itself, whose own relative paths cannot be told from the text.
const elsewhere = Object.keys(ROOMS).filter((r) => r !== 'site');
const siteMayNotImport = `^(?!${anyOf(ARROWS.site)})${anyOf(elsewhere)}`;

export default [
  ...astro.configs['flat/base'],
  {
    // A name used but never imported or declared: .astro scripts are not type-checked, and a
    // lost import (a form's queue hint) once failed only in the browser, silently.
    files: ['site/**/*.astro/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { 'no-undef': 'error' },
  },
  {
    files: ['site/**/*.astro', 'site/**/*.astro/*.ts'],
    // TypeScript in the frontmatter and the <script>s (eslint-plugin-astro would find it too).
    languageOptions: { parserOptions: { parser: tsParser } },
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: siteMayNotImport, message: `the site may import only ${ARROWS.site.join(', ')} outside site/ (lint/arrows.cjs)` }] },
      ],
    },
  },
];
