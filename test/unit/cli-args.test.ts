// `allgo run samsort reads.sam --param '-q 30'`: a flag's value may start with "-".
import { describe, expect, it } from 'vitest';
import { parse, attachValues, UsageError } from '../../cli/lib/command.js';

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
