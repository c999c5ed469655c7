// What a program may write to report its progress (runner/progress-watch.ts).
import { describe, it, expect } from 'vitest';
import { parseProgress } from '../../runner/progress-watch.js';

describe('a progress report', () => {
  it('reads a percent and an optional stage, from a log line or a .allgo-progress file', () => {
    expect(parseProgress('##allgo progress 42')).toEqual({ percent: 42, stage: null });
    expect(parseProgress('##allgo progress 42.5 aligning reads\n')).toEqual({ percent: 42.5, stage: 'aligning reads' });
    expect(parseProgress('80 writing')).toEqual({ percent: 80, stage: 'writing' });
    expect(parseProgress('80% writing')).toEqual({ percent: 80, stage: 'writing' });
  });

  it('caps the percent at 100 and keeps control characters out of the stage', () => {
    expect(parseProgress('##allgo progress 250 done')).toEqual({ percent: 100, stage: 'done' });
    expect(parseProgress('50 a\u001b[31mred')?.stage).toBe('a [31mred');
    expect(parseProgress(`50 ${'x'.repeat(300)}`)?.stage).toHaveLength(200);
  });

  it('is nothing for other text', () => {
    for (const text of ['', 'progress 42', '##allgo progress', '##allgo progress abc', '-5 back']) expect(parseProgress(text)).toBeNull();
  });
});
