// What a pusher's terminal shows of a build log. git relays `remote:` lines to a terminal that
// may not understand escape codes, and apt's progress redraws one line with `\r` hundreds of
// times. The build log keeps everything as Docker wrote it; the push output keeps what a person
// reads: plain text, the last state of each redrawn line, and none of allgo's own steps.

import { RAW_DOCKER_ERROR } from '../../common/build-log.js';

// CSI sequences (colours, cursor moves) and OSC sequences (titles, links).
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
/** The LABEL step Docker adds for the build's labels: allgo's, not the provider's. */
const ALLGO_LABEL_STEP = /^Step \d+\/\d+ : LABEL allgo\./;
const STEP = /^Step \d+\/\d+ : /;

export class PushOutput {
  private partial = '';
  private hiding = false;

  constructor(private readonly say: (text: string) => void) {}

  write(chunk: string): void {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    const shown = lines.map((l) => this.line(l)).filter((l): l is string => l !== null);
    if (shown.length) this.say(shown.map((l) => l + '\n').join(''));
  }

  /** Whatever is left without a final newline. */
  end(): void {
    const last = this.partial ? this.line(this.partial) : null;
    this.partial = '';
    if (last !== null && last !== '') this.say(last + '\n');
  }

  private line(raw: string): string | null {
    // A line redrawn with \r shows its last drawing; a trailing \r (CRLF) draws nothing new.
    const drawings = raw.replace(/\r+$/, '').split('\r');
    const line = drawings[drawings.length - 1].replace(ESCAPES, '');
    if (ALLGO_LABEL_STEP.test(line)) this.hiding = true;
    else if (STEP.test(line) || line.startsWith('Successfully built') || line.startsWith('Built ')) this.hiding = false;
    return this.hiding || line.startsWith(RAW_DOCKER_ERROR) ? null : line;
  }
}
