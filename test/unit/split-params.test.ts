// A job's parameter string → argv, split like a POSIX shell splits words, with nothing expanded.
import { describe, it, expect } from 'vitest';
import { splitParams, entrypointArgv, ParamsError } from '../../common/split-params.js';

describe('splitParams: words', () => {
  it('splits words on spaces', () => {
    expect(splitParams('-i input.txt -o out')).toEqual(['-i', 'input.txt', '-o', 'out']);
  });

  it('treats runs of spaces, tabs and newlines as one separator', () => {
    expect(splitParams('  a \t b\n\nc\r\nd  ')).toEqual(['a', 'b', 'c', 'd']);
  });

  it('gives no arguments for an empty or blank string', () => {
    expect(splitParams('')).toEqual([]);
    expect(splitParams('   \t\n ')).toEqual([]);
  });
});

describe('splitParams: quotes and backslashes', () => {
  it('keeps single-quoted text literally, backslashes and double quotes included', () => {
    expect(splitParams(`'a b' 'c\\d' 'say "hi"'`)).toEqual(['a b', 'c\\d', 'say "hi"']);
  });

  it('keeps spaces inside double quotes', () => {
    expect(splitParams('"hello world" x')).toEqual(['hello world', 'x']);
  });

  it('unescapes \\" \\\\ \\$ and \\` inside double quotes', () => {
    expect(splitParams('"a\\"b" "c\\\\d" "\\$HOME" "\\`id\\`"')).toEqual(['a"b', 'c\\d', '$HOME', '`id`']);
  });

  it('keeps a backslash before any other character inside double quotes, as sh does', () => {
    expect(splitParams('"a\\nb" "\\x"')).toEqual(['a\\nb', '\\x']);
  });

  it('takes the character after a backslash literally outside quotes', () => {
    expect(splitParams('a\\ b \\"c\\" \\\\')).toEqual(['a b', '"c"', '\\']);
  });

  it('drops a backslash-newline (a line continuation) outside quotes', () => {
    expect(splitParams('ab\\\ncd')).toEqual(['abcd']);
    expect(splitParams('a \\\n b')).toEqual(['a', 'b']);
  });

  it('gives an empty argument for an empty quoted string', () => {
    expect(splitParams("a '' b")).toEqual(['a', '', 'b']);
    expect(splitParams('""')).toEqual(['']);
    expect(splitParams(`'' ""`)).toEqual(['', '']);
  });

  it('joins adjacent quoted and unquoted parts into one argument', () => {
    expect(splitParams(`a'b'"c"`)).toEqual(['abc']);
    expect(splitParams(`--name="John Smith" x`)).toEqual(['--name=John Smith', 'x']);
  });

  it('keeps unicode as is', () => {
    expect(splitParams('héllo "wörld ✓"')).toEqual(['héllo', 'wörld ✓']);
  });
});

describe('splitParams: nothing is a shell', () => {
  it('keeps `; rm -rf /` as three literal arguments', () => {
    expect(splitParams('; rm -rf /')).toEqual([';', 'rm', '-rf', '/']);
  });

  it('does not run command substitutions', () => {
    expect(splitParams('$(id)')).toEqual(['$(id)']);
    expect(splitParams('`id`')).toEqual(['`id`']);
    expect(splitParams('"$(id)"')).toEqual(['$(id)']);
  });

  it('does not expand variables, globs or tildes', () => {
    expect(splitParams('$HOME ${PATH} * ?.txt ~ ~/x')).toEqual(['$HOME', '${PATH}', '*', '?.txt', '~', '~/x']);
  });

  it('keeps pipes, redirections and background marks as literal arguments', () => {
    expect(splitParams('a | b > out 2>&1 < in & c && d || e')).toEqual(['a', '|', 'b', '>', 'out', '2>&1', '<', 'in', '&', 'c', '&&', 'd', '||', 'e']);
  });

  it('does not split on metacharacters glued to words', () => {
    expect(splitParams('a;b|c>d')).toEqual(['a;b|c>d']);
  });

  it('does not treat # as a comment', () => {
    expect(splitParams('a # b')).toEqual(['a', '#', 'b']);
  });
});

describe('splitParams: refusals', () => {
  it('refuses an unterminated single quote', () => {
    expect(() => splitParams("a 'b c")).toThrow(ParamsError);
    expect(() => splitParams("a 'b c")).toThrow(/single quote/);
  });

  it('refuses an unterminated double quote', () => {
    expect(() => splitParams('a "b c')).toThrow(ParamsError);
    expect(() => splitParams('"a\\"')).toThrow(/double quote/);
  });

  it('refuses a trailing lone backslash', () => {
    expect(() => splitParams('a b\\')).toThrow(ParamsError);
    expect(() => splitParams('\\')).toThrow(/backslash/);
  });

  it('refuses a NUL character, which no argv can hold', () => {
    expect(() => splitParams('a\0b')).toThrow(ParamsError);
    expect(() => splitParams("'\0'")).toThrow(ParamsError);
  });

  it('raises ParamsError, an Error with its own name', () => {
    try {
      splitParams('"');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).name).toBe('ParamsError');
    }
  });
});

describe('entrypointArgv', () => {
  it('splits a string entrypoint like parameters', () => {
    expect(entrypointArgv('/usr/bin/python3 "/app/my script.py" --flag')).toEqual(['/usr/bin/python3', '/app/my script.py', '--flag']);
  });

  it('returns a list entrypoint unchanged, as a copy', () => {
    const list = ['/app/run', 'a b', '$HOME'];
    const argv = entrypointArgv(list);
    expect(argv).toEqual(['/app/run', 'a b', '$HOME']);
    expect(argv).not.toBe(list);
    argv.push('--more');
    expect(list).toHaveLength(3);
  });

  it('refuses a string entrypoint with an unterminated quote', () => {
    expect(() => entrypointArgv('/app/run "oops')).toThrow(ParamsError);
  });
});
