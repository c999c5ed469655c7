// A failed push says what went wrong in words, not in Docker's HTTP error text.
import { describe, expect, it } from 'vitest';
import { describeBuildFailure } from '../../builder/describe-failure.js';

describe('build failures in words', () => {
  it('names the Dockerfile line of a parse error', () => {
    expect(describeBuildFailure('(HTTP code 400) unexpected - dockerfile parse error line 6: unknown instruction: RUNN')).toBe('Dockerfile line 6: unknown instruction RUNN');
    expect(describeBuildFailure('(HTTP code 400) unexpected - dockerfile parse error on line 2: ARG names can not be blank')).toBe('Dockerfile line 2: ARG names can not be blank');
  });

  it('names the failing step and its exit code', () => {
    expect(describeBuildFailure("The command '/bin/sh -c apt-get install -y nope' returned a non-zero code: 100")).toBe('the step `apt-get install -y nope` exited with code 100');
  });

  it('says a missing base image is not on this server', () => {
    expect(describeBuildFailure('pull access denied for ubuntu, repository does not exist or may require \'docker login\'')).toMatch(/^the base image ubuntu is not on this server/);
  });

  it('keeps a message no rule knows, without the HTTP prefix', () => {
    expect(describeBuildFailure('(HTTP code 500) server error - something new')).toBe('something new');
  });
});
