// Logs read as lines on a terminal and as JSON for a collector, or as LOG_FORMAT says.
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '../../cli/logger.js';

function capture(isTTY: boolean): NodeJS.WriteStream & { text: () => string } {
  let text = '';
  const s = new Writable({ write: (c, _e, cb) => ((text += c), cb()) }) as unknown as NodeJS.WriteStream & { text: () => string };
  Object.assign(s, { isTTY, text: () => text });
  return s;
}

describe('the platform log', () => {
  it('writes readable lines on a terminal', () => {
    const out = capture(true);
    createLogger({}, out).info({ jobId: 3 }, 'job submitted');
    expect(out.text()).toMatch(/^\S*\[\d\d:\d\d:\d\d\]\S* \S*INFO\S*.*job submitted/);
    expect(() => JSON.parse(out.text())).toThrow();
  });

  it('writes one JSON object a line when not on a terminal, or with LOG_FORMAT=json', () => {
    for (const [env, tty] of [[{}, false], [{ LOG_FORMAT: 'json' }, true]] as const) {
      const out = capture(tty);
      createLogger(env, out).info({ jobId: 3 }, 'job submitted');
      expect(JSON.parse(out.text())).toMatchObject({ level: 30, jobId: 3, msg: 'job submitted' });
    }
  });

  it('refuses a LOG_FORMAT it does not know', () => {
    expect(() => createLogger({ LOG_FORMAT: 'xml' }, capture(false))).toThrow('LOG_FORMAT must be "json" or "pretty", not "xml"');
  });
});
