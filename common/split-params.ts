// Splits a job's parameter string into arguments the way a POSIX shell splits words
// (quotes and backslashes), with no expansion of any kind and no shell ever run:
// `; rm -rf /` becomes three literal arguments.

export class ParamsError extends Error {
  override name = 'ParamsError';
}

export function splitParams(input: string): string[] {
  const args: string[] = [];
  let current = '';
  let inWord = false;
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (c === "'") {
      const end = input.indexOf("'", i + 1);
      if (end < 0) throw new ParamsError(`unterminated single quote at character ${i + 1} of the parameters`);
      current += input.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      let closed = false;
      while (i < input.length) {
        const d = input[i];
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        // Inside double quotes a backslash only escapes these, as in sh.
        if (d === '\\' && i + 1 < input.length && '"\\$`\n'.includes(input[i + 1])) {
          if (input[i + 1] !== '\n') current += input[i + 1];
          i += 2;
        } else {
          current += d;
          i++;
        }
      }
      if (!closed) throw new ParamsError('unterminated double quote in the parameters');
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 >= input.length) throw new ParamsError('the parameters end with a lone backslash');
      if (input[i + 1] !== '\n') {
        current += input[i + 1];
        inWord = true;
      }
      i += 2;
    } else if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) args.push(current);
      current = '';
      inWord = false;
      i++;
    } else {
      current += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) args.push(current);
  for (const a of args) {
    if (a.includes('\0')) throw new ParamsError('the parameters contain a NUL character');
  }
  return args;
}

/** The manifest's entrypoint as argv: a string is split like the parameters. */
export function entrypointArgv(entrypoint: string | string[]): string[] {
  return typeof entrypoint === 'string' ? splitParams(entrypoint) : [...entrypoint];
}
