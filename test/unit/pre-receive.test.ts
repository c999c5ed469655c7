// git's pre-receive hook reads "<old sha> <new sha> <ref>" lines on stdin.
import { describe, it, expect } from 'vitest';
import { parseUpdates } from '../../server/git/pre-receive.js';

const zero = '0'.repeat(40);
const a = 'a'.repeat(40);
const b = 'b'.repeat(40);

describe('parseUpdates', () => {
  it('reads one update line', () => {
    expect(parseUpdates(`${a} ${b} refs/heads/main\n`)).toEqual([{ old: a, new: b, ref: 'refs/heads/main' }]);
  });

  it('reads several lines, in order', () => {
    expect(parseUpdates(`${zero} ${a} refs/heads/main\n${a} ${zero} refs/tags/v1\n${a} ${b} refs/heads/dev\n`)).toEqual([
      { old: zero, new: a, ref: 'refs/heads/main' },
      { old: a, new: zero, ref: 'refs/tags/v1' },
      { old: a, new: b, ref: 'refs/heads/dev' },
    ]);
  });

  it('accepts a last line without a newline', () => {
    expect(parseUpdates(`${a} ${b} refs/heads/main`)).toEqual([{ old: a, new: b, ref: 'refs/heads/main' }]);
  });

  it('skips blank lines and trims carriage returns', () => {
    expect(parseUpdates(`\n${a} ${b} refs/heads/main\r\n\n  \n`)).toEqual([{ old: a, new: b, ref: 'refs/heads/main' }]);
  });

  it('splits on any run of whitespace', () => {
    expect(parseUpdates(`${a}\t${b}   refs/heads/main`)).toEqual([{ old: a, new: b, ref: 'refs/heads/main' }]);
  });

  it('gives no updates for empty input', () => {
    expect(parseUpdates('')).toEqual([]);
    expect(parseUpdates('\n\n')).toEqual([]);
  });

  it('reads SHA-256 object names too', () => {
    const long = 'c'.repeat(64);
    expect(parseUpdates(`${zero}${zero.slice(0, 24)} ${long} refs/heads/main\n`)).toEqual([{ old: '0'.repeat(64), new: long, ref: 'refs/heads/main' }]);
  });
});
