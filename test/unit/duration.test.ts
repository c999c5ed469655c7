// Durations as written in config files ("30s", "20m", "1d") and as shown in messages.
import { describe, it, expect } from 'vitest';
import { parseDuration, formatDuration } from '../../common/duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['20m', 1_200_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['0s', 0],
    ['1.5h', 5_400_000],
    ['0.5s', 500],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('ignores surrounding whitespace', () => {
    expect(parseDuration('  20m \n')).toBe(1_200_000);
  });

  it('rounds to whole milliseconds', () => {
    expect(parseDuration('1.0006s')).toBe(1001);
  });

  it.each(['', 'soon', '20', 'm', '20 m', '20min', '-5s', '+5s', '1e3s', '.5s', '5.s', '5M', '1h30m'])('refuses %j, showing the expected form', (text) => {
    expect(() => parseDuration(text)).toThrow(/bad duration .*e\.g\. 30s, 20m, 1h, 1d/);
  });
});

describe('formatDuration', () => {
  it.each([
    [86_400_000, '1d'],
    [2 * 86_400_000, '2d'],
    [3_600_000, '1h'],
    [36 * 3_600_000, '36h'],
    [1_200_000, '20m'],
    [90_000, '90s'],
    [1000, '1s'],
    [1500, '1.5s'],
    [500, '500ms'],
    [0, '0ms'],
  ])('writes %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([0, 1, 999, 1000, 1500, 59_000, 60_000, 61_500, 3_600_000, 5_400_000, 86_400_000, 90_000_000, 7 * 86_400_000])(
    'round-trips %d ms through its text',
    (ms) => {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    },
  );

  it.each(['500ms', '30s', '20m', '1h', '1d', '36h', '90s'])('writes back %s as it was read', (text) => {
    expect(formatDuration(parseDuration(text))).toBe(text);
  });
});
