// A done job's file listing is read from disk once and kept (GET /api/v1/jobs/N polls it);
// whatever removes the job's files forgets it, so a kept listing never names a file that is gone.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { Datastore } from '../../server/datastore.js';

describe('the listing of a finished job', () => {
  let dataDir: string;
  let store: Datastore;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'allgo-unit-listing-'));
    store = new Datastore(dataDir, '65534:65534');
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  async function jobWith(id: number, files: Record<string, string>): Promise<void> {
    const staging = await store.newStaging();
    for (const [name, text] of Object.entries(files)) await writeFile(join(staging, name), text);
    await store.adopt(staging, id);
  }

  it('is read from disk once when the job is done', async () => {
    await jobWith(7, { 'out.txt': 'hi' });
    expect(await store.filesOf({ id: 7, state: 'done' })).toEqual([{ name: 'out.txt', size: 2 }]);
    // Nothing but a runner's commit writes a job's folder, and that is over once it is done.
    await writeFile(join(store.jobDir(7), 'late.txt'), 'x');
    expect(await store.filesOf({ id: 7, state: 'done' })).toEqual([{ name: 'out.txt', size: 2 }]);
  });

  it('is read from disk each time while the job is unfinished', async () => {
    await jobWith(7, { 'in.txt': 'a' });
    expect(await store.filesOf({ id: 7, state: 'running' })).toEqual([{ name: 'in.txt', size: 1 }]);
    await writeFile(join(store.jobDir(7), 'out.txt'), 'xy');
    expect(await store.filesOf({ id: 7, state: 'running' })).toEqual([{ name: 'in.txt', size: 1 }, { name: 'out.txt', size: 2 }]);
  });

  it('is forgotten when the job’s files are removed (retention, deletion, pruning)', async () => {
    await jobWith(7, { 'out.txt': 'hi' });
    await jobWith(8, { 'other.txt': 'x' });
    await store.filesOf({ id: 7, state: 'done' });
    await store.filesOf({ id: 8, state: 'done' });
    await store.discardJob(7);
    // Still `done` in a record read before the removal: the listing must not outlive the files.
    expect(await store.filesOf({ id: 7, state: 'done' })).toEqual([]);
    expect(await store.filesOf({ id: 8, state: 'done' })).toEqual([{ name: 'other.txt', size: 1 }]);
  });

  it('is forgotten when the folder changes otherwise (a commit)', async () => {
    await jobWith(7, { 'out.txt': 'hi' });
    await store.filesOf({ id: 7, state: 'done' });
    await writeFile(join(store.jobDir(7), 'more.txt'), 'abc');
    store.forget(7);
    expect(await store.filesOf({ id: 7, state: 'done' })).toEqual([{ name: 'more.txt', size: 3 }, { name: 'out.txt', size: 2 }]);
  });

  it('is not kept when read while the files were being removed', async () => {
    // A read that saw the file, held until the removal has run.
    let release = () => {};
    let listed = () => {};
    const held = new Promise<void>((r) => (release = r));
    const read = new Promise<void>((r) => (listed = r));
    class HeldRead extends Datastore {
      override async list(jobId: number) {
        const files = await super.list(jobId);
        listed();
        await held;
        return files;
      }
    }
    store = new HeldRead(dataDir, '65534:65534');
    await jobWith(7, { 'out.txt': 'hi' });
    const reading = store.filesOf({ id: 7, state: 'done' });
    await read;
    await store.discardJob(7);
    release();
    expect(await reading).toEqual([{ name: 'out.txt', size: 2 }]);
    expect(await store.filesOf({ id: 7, state: 'done' })).toEqual([]);
  });
});
