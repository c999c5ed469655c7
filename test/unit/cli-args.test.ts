// `allgo run samsort reads.sam --param '-q 30'`: a flag's value may start with "-".
import { describe, expect, it } from 'vitest';
import { parse, attachValues, describeError, UsageError } from '../../cli/lib/command.js';
import { ApiError } from '../../client/index.js';

const cmd = { help: 'usage: test' };
const options = { param: { type: 'string' }, out: { type: 'string', short: 'o' }, wait: { type: 'boolean' } } as const;

describe('command-line values that start with a dash', () => {
  it('takes the word after --param as its value, whatever it starts with', () => {
    const p = parse(cmd, ['samsort', 'reads.sam', '--param', '-q 30', '--wait'], options, { min: 1, max: 2 });
    expect(p!.values).toEqual({ param: '-q 30', wait: true });
    expect(p!.positionals).toEqual(['samsort', 'reads.sam']);
  });

  it('keeps --param=VALUE, short flags and the "--" terminator as they were', () => {
    expect(attachValues(['--param=-x', '-o', '-dir', '--', '--param', 'y'], options)).toEqual(['--param=-x', '-o-dir', '--', '--param', 'y']);
    expect(parse(cmd, ['-o', '-dir'], options)!.values).toEqual({ out: '-dir' });
  });

  it('leaves boolean flags and unknown flags to parseArgs, which still refuses the unknown', () => {
    expect(attachValues(['--wait', '-q'], options)).toEqual(['--wait', '-q']);
    expect(() => parse(cmd, ['--nope'], options)).toThrow(UsageError);
  });

  it('still says a value is missing when --param is the last word', () => {
    expect(() => parse(cmd, ['--param'], options)).toThrow(/argument missing/);
  });
});

describe('server messages at the command line', () => {
  it('name the allgo command that shows a thing, not the API route', () => {
    const app = new ApiError(404, 'not_found', 'app "samsort" has no version "9" (GET /api/v1/apps/samsort lists them)');
    expect(describeError(app).line).toBe('app "samsort" has no version "9" ("allgo app samsort" lists them)');
    const none = new ApiError(404, 'not_found', 'no app "samsrot": check the name or id (GET /api/v1/apps lists them)');
    expect(describeError(none).line).toBe('no app "samsrot": check the name or id ("allgo apps" lists them)');
    expect(describeError(new ApiError(400, 'bad_param', 'job[param]: unterminated double quote')).line).toBe('--param: unterminated double quote');
  });
});
