import { describe, expect, it } from 'vitest';
import { dockerLogText } from '../../common/docker-log-text.js';

const frame = (stream: 1 | 2, text: string): Buffer => {
  const body = Buffer.from(text);
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
};

describe("a container's log, read whole", () => {
  it('is the frames\' text, stdout and stderr in the order they came, a cut last frame left out', () => {
    const whole = Buffer.concat([frame(1, 'out 1\n'), frame(2, 'err 1\n'), frame(1, 'out 2\n')]);
    expect(dockerLogText(whole)).toBe('out 1\nerr 1\nout 2\n');
    expect(dockerLogText(whole.subarray(0, whole.length - 10))).toBe('out 1\nerr 1\n');
  });
});
