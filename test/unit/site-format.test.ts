// The job pages' pure helpers: times to the second, durations, and refusals in people's words.
import { describe, expect, it } from 'vitest';
import { formatDuration, formatTime, humanizeRefusal, jobDuration } from '../../site/src/lib/format.js';
import { cutSummary } from '../../site/src/lib/markdown.js';

describe('formatTime', () => {
  it('shows a time to the second, in UTC', () => {
    expect(formatTime('2025-03-04T14:05:09.123Z')).toBe('2025-03-04 14:05:09 UTC');
    expect(formatTime(null)).toBe('—');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [45_900, '45 s'],
    [187_000, '3 min 07 s'],
    [7_500_000, '2 h 05 min'],
    [-5, '0 s'],
  ])('%i ms reads %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('jobDuration', () => {
  it('is the run time of a finished job and the elapsed time of a running one', () => {
    expect(jobDuration({ started_at: '2025-01-01T00:00:00Z', finished_at: '2025-01-01T00:01:30Z' }, 0)).toBe(90_000);
    expect(jobDuration({ started_at: '2025-01-01T00:00:00Z', finished_at: null }, Date.parse('2025-01-01T00:00:10Z'))).toBe(10_000);
    expect(jobDuration({ started_at: null, finished_at: null }, 0)).toBeNull();
  });
});

describe('humanizeRefusal', () => {
  it('names the form field instead of the API field', () => {
    expect(humanizeRefusal('job[param]: unterminated double quote')).toBe('Parameters: unterminated double quote');
    expect(humanizeRefusal('job[queue]: no queue named x')).toBe('Queue: no queue named x');
    expect(humanizeRefusal('files[2]: too large')).toBe('Files: too large');
    expect(humanizeRefusal('no such app')).toBe('no such app');
  });
});

describe('cutSummary', () => {
  it('keeps a short text whole', () => expect(cutSummary('Sorts reads.', 40)).toBe('Sorts reads.'));
  it('cuts at the last sentence end in the second half', () => {
    expect(cutSummary('Sorts a SAM file by position. Then the job writes: sorted.bam and its index.', 50)).toBe('Sorts a SAM file by position.');
  });
  it('cuts at a word boundary, never mid-word, when no sentence ends late enough', () => {
    const cut = cutSummary('A tool that sorts alignments by coordinate and writes them out again', 30);
    expect(cut).toBe('A tool that sorts alignments…');
    expect('A tool that sorts alignments by'.startsWith(cut.slice(0, -1))).toBe(true);
  });
  it('drops trailing punctuation before the ellipsis', () => {
    expect(cutSummary('one two three, four five six seven', 14)).toBe('one two three…');
  });
});

describe('splitFiles', () => {
  it('lists inputs apart from results and the log', async () => {
    const { splitFiles } = await import('../../site/src/lib/client/job-files.js');
    const f = (name: string, kind: 'input' | 'output' | 'log') => ({ name, size: 1, url: `/d/${name}`, kind });
    expect(splitFiles([f('a.sam', 'input'), f('out.bam', 'output'), f('allgo.log', 'log')])).toEqual({ inputs: [f('a.sam', 'input')], outputs: [f('out.bam', 'output'), f('allgo.log', 'log')] });
  });
});

describe('readRunAgain', () => {
  it('reads the choices "Run the app again" passes, and only a job number as `from`', async () => {
    const { readRunAgain } = await import('../../site/src/lib/client/run-again.js');
    expect(readRunAgain('?version=1.2&queue=batch&param=-q%2030&from=7')).toEqual({ version: '1.2', queue: 'batch', param: '-q 30', from: '7' });
    expect(readRunAgain('?from=7x').from).toBeNull();
    expect(readRunAgain('')).toEqual({ version: null, queue: null, param: null, from: null });
  });
});
