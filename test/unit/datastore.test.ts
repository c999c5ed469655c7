// Job folders and the names of uploaded files.
import { mkdtemp, rm, writeFile, mkdir, stat, symlink, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { Datastore, checkUploadName, UploadNameError } from '../../server/datastore.js';
import { LOG_FILE } from '../../common/files.js';
import { answerOf } from '../../server/error-handler.js';
import { refusal } from '../helpers/refusal.js';

/** The storage layer's refusal, as the one error handler answers it over HTTP. */
function refusedName(name: string): { status: number; code: string; message: string } {
  const answer = answerOf(refusal(() => checkUploadName(name), UploadNameError, JSON.stringify(name)))!;
  return { status: answer.status, code: answer.body.code, message: answer.body.error };
}

describe('checkUploadName: accepted names', () => {
  it.each([
    ['an ordinary name', 'input.txt'],
    ['a name with spaces', 'my data file.csv'],
    ['a unicode name', 'données-✓-日本.txt'],
    ['a hidden file', '.hidden'],
    ['a name with .. inside', 'a..b.txt'],
    ['a name starting with ..', '..config'],
    ['a name of 255 bytes', 'x'.repeat(255)],
    ['a name like the log but not it', 'allgo.log.txt'],
  ])('accepts %s', (_what, name) => {
    expect(checkUploadName(name)).toBe(name);
  });
});

describe('checkUploadName: refused names', () => {
  it.each([
    ['a relative path escaping the folder', '../etc/passwd'],
    ['a path', 'a/b'],
    ['an absolute path', '/etc/passwd'],
    ['a Windows path', 'a\\b'],
  ])('refuses %s, saying it contains a path separator', (_what, name) => {
    const err = refusedName(name);
    expect(err.status).toBe(400);
    expect(err.code).toBe('bad_file_name');
    expect(err.message).toContain('path separator');
  });

  it.each(['.', '..'])('refuses %j, which names a folder', (name) => {
    const err = refusedName(name);
    expect(err.status).toBe(400);
    expect(err.code).toBe('bad_file_name');
  });

  it.each([
    ['a newline', 'a\nb'],
    ['a carriage return', 'a\rb'],
    ['a NUL', 'a\0b'],
    ['a DEL', 'a\x7fb'],
    ['a tab', 'a\tb'],
    ['an escape', 'a\x1b[31mred'],
  ])('refuses a name with %s', (_what, name) => {
    const err = refusedName(name);
    expect(err.status).toBe(400);
    expect(err.code).toBe('bad_file_name');
    expect(err.message).toContain('control characters');
  });

  it('refuses a name over 255 bytes', () => {
    const err = refusedName('x'.repeat(256));
    expect(err.code).toBe('bad_file_name');
    expect(err.message).toContain('255 bytes');
  });

  it('counts multi-byte characters in bytes: 128 two-byte characters are too long', () => {
    const name = 'é'.repeat(128);
    expect(name.length).toBe(128);
    expect(refusedName(name).message).toContain('255 bytes');
    expect(checkUploadName('é'.repeat(127))).toBe('é'.repeat(127));
  });

  it('refuses the name of the job log', () => {
    const err = refusedName(LOG_FILE);
    expect(LOG_FILE).toBe('allgo.log');
    expect(err.code).toBe('bad_file_name');
    expect(err.message).toContain('allgo.log');
  });

  it('refuses an empty name with a 400', () => {
    expect(refusedName('').status).toBe(400);
  });
});

describe('Datastore', () => {
  let dataDir: string;
  let store: Datastore;
  const isRoot = process.getuid?.() === 0;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'allgo-unit-datastore-'));
    store = new Datastore(dataDir, '65534:65534');
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps job folders under <data dir>/datastore/<job id>', () => {
    expect(store.root).toBe(join(dataDir, 'datastore'));
    expect(store.jobDir(7)).toBe(join(dataDir, 'datastore', '7'));
  });

  it('makes a fresh, empty staging folder each time', async () => {
    const a = await store.newStaging();
    const b = await store.newStaging();
    expect(a).not.toBe(b);
    expect(a.startsWith(store.root + '/')).toBe(true);
    expect((await stat(a)).isDirectory()).toBe(true);
    expect(await readdir(a)).toEqual([]);
  });

  it('adopts a staging folder as the job folder, files and all', async () => {
    const staging = await store.newStaging();
    await writeFile(join(staging, 'input.txt'), 'hello');
    const dir = await store.adopt(staging, 7);
    expect(dir).toBe(join(dataDir, 'datastore', '7'));
    expect(existsSync(staging)).toBe(false);
    expect(await readdir(dir)).toEqual(['input.txt']);
  });

  it.runIf(isRoot)('hands the adopted folder to the jobs’ user (uid:gid), mode 750, when run as root', async () => {
    const dir = await store.adopt(await store.newStaging(), 7);
    const s = await stat(dir);
    expect([s.uid, s.gid]).toEqual([65534, 65534]);
    expect(s.mode & 0o777).toBe(0o750);
  });

  it.runIf(isRoot)('uses the configured uid:gid, not a fixed one', async () => {
    const other = new Datastore(dataDir, '1234:4321');
    const dir = await other.adopt(await other.newStaging(), 8);
    const s = await stat(dir);
    expect([s.uid, s.gid]).toEqual([1234, 4321]);
  });

  it.skipIf(isRoot)('opens the adopted folder to everyone (777) when it cannot chown', async () => {
    const dir = await store.adopt(await store.newStaging(), 7);
    expect((await stat(dir)).mode & 0o777).toBe(0o777);
  });

  it('lists the regular files of a job by name, with their sizes, skipping folders', async () => {
    const staging = await store.newStaging();
    await writeFile(join(staging, 'zeta.txt'), '12345');
    await writeFile(join(staging, 'alpha.bin'), Buffer.alloc(1000));
    await writeFile(join(staging, 'Beta'), '');
    await mkdir(join(staging, 'subfolder'));
    await writeFile(join(staging, 'subfolder', 'nested.txt'), 'x');
    await store.adopt(staging, 7);
    expect(await store.list(7)).toEqual([
      { name: 'Beta', size: 0 },
      { name: 'alpha.bin', size: 1000 },
      { name: 'zeta.txt', size: 5 },
    ]);
  });

  it('lists nothing for a job that has no folder', async () => {
    expect(await store.list(7)).toEqual([]);
    expect(await store.list(999)).toEqual([]);
  });

  it('does not list a dangling symbolic link', async () => {
    const staging = await store.newStaging();
    await symlink(join(dataDir, 'nowhere'), join(staging, 'dangling'));
    await store.adopt(staging, 7);
    expect(await store.list(7)).toEqual([]);
  });

  // A job's program writes its folder: a link it makes to a host file (the store, a key)
  // must not show up as one of its result files.
  it('does not list a symbolic link to a file outside the job folder as a regular file', async () => {
    const secret = join(dataDir, 'allgo.db');
    await writeFile(secret, 'the whole store');
    const staging = await store.newStaging();
    await writeFile(join(staging, 'result.txt'), 'ok');
    await symlink(secret, join(staging, 'leak.txt'));
    await store.adopt(staging, 7);
    expect(await store.list(7)).toEqual([{ name: 'result.txt', size: 2 }]);
  });

  it('discards a folder and everything in it', async () => {
    const staging = await store.newStaging();
    await mkdir(join(staging, 'sub'));
    await writeFile(join(staging, 'sub', 'f'), 'x');
    await store.discard(staging);
    expect(existsSync(staging)).toBe(false);
    expect(existsSync(dirname(staging))).toBe(true);
    await expect(store.discard(staging)).resolves.toBeUndefined();
  });
});

describe('names that display as something else', () => {
  it('refuses C1 controls and text-direction overrides', async () => {
    const { checkUploadName } = await import('../../server/datastore.js');
    expect(() => checkUploadName('evil\u202Etxt.exe')).toThrow(/text-direction/);
    expect(() => checkUploadName('a\u0085b')).toThrow(/control characters/);
  });
});
