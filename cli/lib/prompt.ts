// Questions on stdin, prompts on stderr (stdout stays for results). From a terminal each
// question gets line editing, and a secret is read without echo; from a pipe the answers are
// read one line each, so scripts and tests can answer too. End of input answers the default.
import { createInterface, type Interface } from 'node:readline';

export class Prompter {
  private lines: AsyncIterator<string> | null = null;
  private piped: Interface | null = null;

  constructor(
    private readonly input: NodeJS.ReadStream = process.stdin,
    private readonly output: NodeJS.WriteStream = process.stderr,
  ) {}

  /** The answer, the default when the answer is empty, or null at end of input without one. */
  async ask(question: string, opts: { default?: string; secret?: boolean } = {}): Promise<string | null> {
    const prompt = `${question}${opts.default ? ` [${opts.default}]` : ''}: `;
    const answer = this.input.isTTY ? await (opts.secret ? this.secret(prompt) : this.edited(prompt)) : await this.nextLine(prompt);
    const trimmed = answer?.trim();
    return trimmed || opts.default || (answer === null ? null : '');
  }

  close(): void {
    this.piped?.close();
  }

  private async nextLine(prompt: string): Promise<string | null> {
    this.output.write(prompt);
    if (!this.piped) {
      this.piped = createInterface({ input: this.input, terminal: false });
      this.lines = this.piped[Symbol.asyncIterator]();
    }
    const next = await this.lines!.next();
    // A piped answer is not echoed: end the prompt's line for whoever watches stderr.
    this.output.write('\n');
    return next.done ? null : next.value;
  }

  private edited(prompt: string): Promise<string | null> {
    const rl = createInterface({ input: this.input, output: this.output, terminal: true });
    return new Promise((resolve) => {
      let answered = false;
      rl.question(prompt, (a) => {
        answered = true;
        rl.close();
        resolve(a);
      });
      rl.once('close', () => !answered && resolve(null));
    });
  }

  /** Reads a line in raw mode, echoing nothing. Ctrl-C exits as a shell would (130). */
  private secret(prompt: string): Promise<string | null> {
    const input = this.input;
    this.output.write(prompt);
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    return new Promise((resolve) => {
      let text = '';
      const finish = (value: string | null) => {
        input.off('data', onData);
        input.setRawMode(false);
        input.pause();
        this.output.write('\n');
        resolve(value);
      };
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n') return finish(text);
          if (ch === '\u0003') {
            input.setRawMode(false);
            this.output.write('\n');
            process.exit(130);
          }
          if (ch === '\u0004') return finish(text || null);
          if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
          else if (ch >= ' ') text += ch;
        }
      };
      input.on('data', onData);
    });
  }
}
