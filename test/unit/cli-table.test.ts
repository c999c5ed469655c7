// The CLI's tables and progress bar: aligned for people, and safe from what other users write.
import { describe, expect, it } from 'vitest';
import { cellText, fields, humanBytes, shortTime, table } from '../../cli/lib/table.js';
import { progressLine } from '../../cli/lib/progress.js';

describe('table', () => {
  it('pads each column to its widest cell, two spaces apart, with no trailing spaces', () => {
    expect(table(['NAME', 'VERSION', 'TITLE'], [
      ['hello', '1.0', 'Hello'],
      ['wordcount', null, 'Counts words'],
    ])).toBe(['NAME       VERSION  TITLE', 'hello      1.0      Hello', 'wordcount  -        Counts words', ''].join('\n'));
  });

  it('pads by characters, not bytes', () => {
    expect(table(['A', 'B'], [['é✓', 'x'], ['abc', 'y']])).toBe('A    B\né✓   x\nabc  y\n');
  });

  it('shows nothing as "-" and numbers and booleans as text', () => {
    expect(table(['A', 'B', 'C', 'D'], [[undefined, '', 3, false]])).toBe('A  B  C  D\n-  -  3  false\n');
  });

  it('cuts long cells with an ellipsis', () => {
    expect(table(['P'], [['x'.repeat(100)]], { max: 10 })).toBe(`P\n${'x'.repeat(9)}…\n`);
  });
});

describe('cellText: text from other users cannot drive the terminal', () => {
  it('replaces control characters, escapes and text-direction overrides with spaces', () => {
    expect(cellText('evil\x1b[2J\x1b]0;title\x07\nnext\r\u202eroot\u0085')).toBe('evil [2J ]0;title  next  root ');
    expect(cellText('a\tb')).toBe('a b');
  });
});

describe('fields', () => {
  it('aligns values after their names and leaves out undefined ones', () => {
    expect(fields([['name', 'probe'], ['owner', 'ada'], ['git', undefined], ['memory', null]])).toBe('name:    probe\nowner:   ada\nmemory:  -\n');
  });
});

describe('sizes, times and progress', () => {
  it('writes sizes in binary units', () => {
    expect([0, 1023, 1024, 1536, 5 * 1024 * 1024, 3 * 1024 ** 3].map(humanBytes)).toEqual(['0 B', '1023 B', '1.0 KB', '1.5 KB', '5.0 MB', '3.0 GB']);
  });

  it('shortens ISO times', () => {
    expect(shortTime('2024-05-01T12:03:04.123Z')).toBe('2024-05-01 12:03:04');
    expect(shortTime(null)).toBeNull();
  });

  it('draws a bar with the percentage and the bytes sent', () => {
    expect(progressLine(0, 200, 10)).toBe('uploading   0% [..........] 0 B / 200 B');
    expect(progressLine(50 * 1024 * 1024, 200 * 1024 * 1024, 10)).toBe('uploading  25% [###.......] 50.0 MB / 200.0 MB');
    expect(progressLine(300, 200, 10)).toBe('uploading 100% [##########] 300 B / 200 B');
  });
});
