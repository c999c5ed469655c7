// A job's argv from its typed values, bound the way CWL binds a tool's inputs; never a shell.
import { describe, it, expect } from 'vitest';
import { buildArgv, inArgvOrder, parameterArgs } from '../../common/parameters/build-argv.js';
import type { ManifestParameter } from '../../schemas/index.js';

const p = (x: Partial<ManifestParameter> & Pick<ManifestParameter, 'id' | 'type'>): ManifestParameter => x;

describe('buildArgv: an app without parameters', () => {
  it('is entrypoint then the split free text, exactly as before typed parameters', () => {
    expect(buildArgv({ entrypoint: '/bin/tool -v' }, {}, "-n 3 'a b'")).toEqual(['/bin/tool', '-v', '-n', '3', 'a b']);
    expect(buildArgv({ entrypoint: ['/bin/tool'] }, {}, '')).toEqual(['/bin/tool']);
  });

  it('puts `command` between the entrypoint and the parameters', () => {
    expect(buildArgv({ entrypoint: 'python3', command: ['tool.py', 'run'] }, {}, '-x')).toEqual(['python3', 'tool.py', 'run', '-x']);
    expect(buildArgv({ entrypoint: 'python3', command: 'tool.py run' }, {}, '')).toEqual(['python3', 'tool.py', 'run']);
  });

  it('keeps shell syntax as literal arguments', () => {
    expect(buildArgv({ entrypoint: 'x' }, {}, '; rm -rf / $(id)')).toEqual(['x', ';', 'rm', '-rf', '/', '$(id)']);
  });
});

describe('buildArgv: typed values', () => {
  const parameters = [
    p({ id: 'input', type: 'file', position: 10 }),
    p({ id: 'mode', type: 'enum', choices: ['fast', 'slow'], flag: '--mode' }),
    p({ id: 'iters', type: 'integer', flag: '--iters', separate: false }),
    p({ id: 'frac', type: 'number', flag: '-f' }),
    p({ id: 'verbose', type: 'boolean', flag: '-v' }),
    p({ id: 'out', type: 'string', position: 11 }),
  ];
  const m = { entrypoint: '/bin/tool', parameters };

  it('orders by position, then id, and binds each kind as its manifest says', () => {
    const argv = buildArgv(m, { input: 'brain.nii', mode: 'fast', iters: 3, frac: 0.3, verbose: true, out: 'result' }, '');
    expect(argv).toEqual(['/bin/tool', '-f', '0.3', '--iters=3', '--mode', 'fast', '-v', '/job/brain.nii', 'result']);
  });

  it('leaves out a boolean false and a parameter without a value', () => {
    expect(buildArgv(m, { verbose: false, frac: 1 }, '')).toEqual(['/bin/tool', '-f', '1']);
  });

  it('never splits or interprets a value: spaces and shell syntax stay one argument', () => {
    expect(buildArgv(m, { out: 'a b; $(rm -rf /)', mode: 'fast' }, '')).toEqual(['/bin/tool', '--mode', 'fast', 'a b; $(rm -rf /)']);
  });

  it('ignores free text unless the app sets free_params, then appends it split', () => {
    expect(buildArgv(m, { frac: 1 }, '--extra x')).toEqual(['/bin/tool', '-f', '1']);
    expect(buildArgv({ ...m, free_params: true }, { frac: 1 }, "--extra 'x y'")).toEqual(['/bin/tool', '-f', '1', '--extra', 'x y']);
  });

  it('puts the command before the typed arguments', () => {
    expect(buildArgv({ ...m, command: ['run'] }, { frac: 2 }, '')).toEqual(['/bin/tool', 'run', '-f', '2']);
  });
});

describe('parameterArgs: lists', () => {
  it('repeats the flag for each value', () => {
    expect(parameterArgs(p({ id: 't', type: 'string', list: true, flag: '-t' }), ['a', 'b'])).toEqual(['-t', 'a', '-t', 'b']);
  });

  it('repeats flag=value with separate: false', () => {
    expect(parameterArgs(p({ id: 't', type: 'integer', list: true, flag: '--n', separate: false }), [1, 2])).toEqual(['--n=1', '--n=2']);
  });

  it('joins with item_separator into one value after the flag', () => {
    expect(parameterArgs(p({ id: 't', type: 'number', list: true, flag: '--w', item_separator: ',' }), [0.5, 2])).toEqual(['--w', '0.5,2']);
  });

  it('gives positional values one after the other, and files as paths in the job folder', () => {
    expect(parameterArgs(p({ id: 'f', type: 'file', list: true }), ['a.txt', 'b.txt'])).toEqual(['/job/a.txt', '/job/b.txt']);
  });

  it('gives nothing for an empty list, even with item_separator', () => {
    expect(parameterArgs(p({ id: 't', type: 'string', list: true, flag: '-t', item_separator: ',' }), [])).toEqual([]);
  });
});

describe('inArgvOrder', () => {
  it('sorts by position (default 0) then by id, like CWL', () => {
    const order = inArgvOrder([p({ id: 'b', type: 'string', flag: '-b' }), p({ id: 'z', type: 'string', position: 1 }), p({ id: 'a', type: 'string', flag: '-a' }), p({ id: 'c', type: 'string', position: 0 })]);
    expect(order.map((x) => x.id)).toEqual(['a', 'b', 'c', 'z']);
  });
});
