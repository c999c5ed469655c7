// The facts every role shares (common/states.ts, common/names.ts) agree with the schemas they
// are derived from.
import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { CANCELLABLE_JOB_STATES, FINISHED_JOB_STATES, QUEUED_JOB_STATES, UNFINISHED_JOB_STATES, isFinishedJob, isFinishedVersion } from '../../common/states.js';
import { APP_NAME_RULE, isValidAppName } from '../../common/names.js';

const api = JSON.parse(readFileSync(new URL('../../schemas/api.schema.json', import.meta.url), 'utf8')) as { $defs: Record<string, { enum: string[] }> };

describe('job and version states', () => {
  it('finished and unfinished split the schema\'s JobState enum exactly', () => {
    const all = [...FINISHED_JOB_STATES, ...UNFINISHED_JOB_STATES];
    expect(all.sort()).toEqual([...api.$defs.JobState.enum].sort());
    expect([...FINISHED_JOB_STATES].sort()).toEqual(['archived', 'deleted', 'done']);
    expect([...UNFINISHED_JOB_STATES].sort()).toEqual(['aborting', 'new', 'running', 'waiting']);
  });

  it('queued and cancellable jobs are unfinished; an aborting job cannot be cancelled again', () => {
    expect([...QUEUED_JOB_STATES].every((s) => UNFINISHED_JOB_STATES.has(s))).toBe(true);
    expect([...CANCELLABLE_JOB_STATES].sort()).toEqual(['new', 'running', 'waiting']);
    expect(isFinishedJob('done')).toBe(true);
    expect(isFinishedJob('aborting')).toBe(false);
  });

  it('only a building version is unfinished', () => {
    expect(api.$defs.VersionState.enum.filter((s) => !isFinishedVersion(s as 'building'))).toEqual(['building']);
  });
});

describe('app names', () => {
  it('takes the rule of schemas/names.schema.json', () => {
    const names = JSON.parse(readFileSync(new URL('../../schemas/names.schema.json', import.meta.url), 'utf8'));
    expect(APP_NAME_RULE).toBe(names.$defs.AppName.description);
  });

  it.each(['hello', 'a1', 'my-app-2', 'x'.repeat(40)])('accepts %j', (name) => {
    expect(isValidAppName(name)).toBe(true);
  });

  it.each(['a', '-app', 'app-', 'App', 'my_app', 'x'.repeat(41), 'a/b', ''])('refuses %j', (name) => {
    expect(isValidAppName(name)).toBe(false);
  });
});
