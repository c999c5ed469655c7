// support/git.ts for test files: each file's work trees are removed after it.
import { afterAll } from 'vitest';
import { removeRepos } from '../../support/git.js';

export * from '../../support/git.js';

afterAll(removeRepos);
