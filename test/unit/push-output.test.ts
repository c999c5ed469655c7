// What `git push` shows of a build log: readable on any terminal, without allgo's own steps.
import { describe, expect, it } from 'vitest';
import { PushOutput } from '../../server/git/push-output.js';

function shown(...chunks: string[]): string {
  let out = '';
  const p = new PushOutput((t) => (out += t));
  for (const c of chunks) p.write(c);
  p.end();
  return out;
}

describe('push output', () => {
  it('strips colour and cursor escape codes', () => {
    expect(shown('\x1b[91mE: Unable to locate package nope\x1b[0m\n', '\x1b]0;title\x07done\n')).toBe('E: Unable to locate package nope\ndone\n');
  });

  it("folds apt's \\r progress redraws into their last state, even split across chunks", () => {
    expect(shown('Reading package lists... 0%\rReading package lists... 5', '0%\rReading package lists... Done\n')).toBe('Reading package lists... Done\n');
    expect(shown('windows line\r\n')).toBe('windows line\n');
  });

  it("hides the LABEL step Docker adds for allgo's labels, and keeps the provider's own steps", () => {
    const log = [
      'Step 1/3 : FROM debian:bookworm',
      ' ---> 9e07a33be0c1',
      'Step 2/3 : LABEL maintainer=ada',
      ' ---> Running in 1234',
      'Step 3/3 : LABEL allgo.app=hello allgo.commit=3f2a',
      ' ---> Running in 5678',
      ' ---> abcdef',
      'Successfully built abcdef',
      'Successfully tagged allgo/hello:1.0',
      '',
    ].join('\n');
    expect(shown(log)).toBe(['Step 1/3 : FROM debian:bookworm', ' ---> 9e07a33be0c1', 'Step 2/3 : LABEL maintainer=ada', ' ---> Running in 1234', 'Successfully built abcdef', 'Successfully tagged allgo/hello:1.0', ''].join('\n'));
  });

  it('says a last line that has no newline', () => {
    expect(shown('no newline')).toBe('no newline\n');
  });
});
