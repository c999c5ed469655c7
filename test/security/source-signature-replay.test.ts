// Issue 9, finding 2: the builder's source URL carried HMAC("source:<id>") in its query, with
// no expiry; copied from the log long after the build, it fetched a private repository's tar
// with no token, on the public port. Now the signature is in a header, names its build,
// expires, opens nothing once the build has ended, and /internal is not on the public port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { AddressInfo } from 'node:net';
import { startPlatform, removeImages, uniqueName, type Platform } from '../helpers/platform.js';
import { fixtureRepo, push } from '../helpers/git.js';
import { BUILD_QUEUE, buildJobId } from '../../common/queues.js';
import { SIGNATURE_HEADER } from '../../common/internal-http.js';
import { Signer } from '../../server/signer.js';
import { localRunnerToken } from '../../common/runner-protocol.js';
import type { BuildPayload } from '../../schemas/index.js';

let p: Platform;
let connection: Redis;
let builds: Queue<BuildPayload>;
const logs: string[] = [];
const apps: string[] = [];

beforeAll(async () => {
  p = await startPlatform({ log: pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) }) });
  connection = new Redis(p.redisUrl, { maxRetriesPerRequest: null });
  builds = new Queue(BUILD_QUEUE, { connection, prefix: p.redisPrefix });
});
afterAll(async () => {
  await builds?.close();
  connection?.disconnect();
  await p?.close();
  removeImages(apps);
});

/** The payload a builder was given for an app's version (what an attacker would copy). */
async function payloadOf(app: string, label: string): Promise<BuildPayload> {
  const store = p.running.store!;
  const version = store.versions.byLabel(store.apps.byName(app)!.id, label)!;
  return (await builds.getJob(buildJobId(version.id)))!.data;
}

/** The internal listener's address, where a builder beside the server resolves the source's path. */
const internalAddress = (): AddressInfo => p.running.server!.internal.server.address() as AddressInfo;
const sourceUrl = (payload: BuildPayload): string => `http://127.0.0.1:${internalAddress().port}${payload.contextUrl}`;
/** What a builder beside the server sends along: its runner token, and the signature. */
const asBuilder = (signature: string): Record<string, string> => ({
  authorization: `Bearer ${localRunnerToken(readFileSync(join(p.dataDir, 'secret'), 'utf8').trim())}`,
  [SIGNATURE_HEADER]: signature,
});

const isTar = (b: Buffer) => b.length > 512 && b.subarray(257, 262).toString() === 'ustar';

describe('a build source signature', () => {
  it('is never in a URL or a log, and opens nothing once the build has ended', async () => {
    const app = uniqueName('private');
    apps.push(app);
    const repo = fixtureRepo('probe', (dir) => appendFileSync(join(dir, 'allgo.yaml'), 'private: true\n'));
    expect((await push(repo, p.url, app, 'admin', p.adminToken)).code).toBe(0);
    const payload = await payloadOf(app, '1.0');
    expect(payload.contextUrl).toBe(`/internal/source/${payload.versionId}`);
    expect(payload.contextSignature).toMatch(/^build-source\.\d+\.\d+\./);
    // The log does record the fetch, and so would have held a signature in its URL.
    expect(logs.some((l) => l.includes(`/internal/source/${payload.versionId}`))).toBe(true);
    expect(logs.join('\n')).not.toContain(payload.contextSignature);
    expect(logs.join('\n')).not.toContain(payload.contextSignature.split('.').pop()!);

    // The replay: long after the build, with the signature as header or as the old query.
    const asHeader = await fetch(sourceUrl(payload), { headers: asBuilder(payload.contextSignature) });
    expect(asHeader.status).toBe(410);
    expect(await asHeader.json()).toMatchObject({ code: 'gone' });
    const asQuery = await fetch(`${sourceUrl(payload)}?sig=${encodeURIComponent(payload.contextSignature)}`, { headers: { authorization: asBuilder('').authorization } });
    expect(asQuery.status).toBe(403);
    expect(await asQuery.json()).toMatchObject({ code: 'bad_signature' });
  });

  it('is not served on the public port at all', async () => {
    const res = await fetch(`${p.url}/internal/source/1`, { headers: { [SIGNATURE_HEADER]: 'x' } });
    expect(res.status).toBe(404);
    const hook = await fetch(`${p.url}/internal/git-hook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(hook.status).toBe(404);
    // The internal listener is on loopback.
    expect(internalAddress().address).toBe('127.0.0.1');
  });

  it('is refused for another build, and once expired, even while its build runs', async () => {
    const app = uniqueName('slow');
    apps.push(app);
    const repo = fixtureRepo('probe', (dir) => appendFileSync(join(dir, 'Dockerfile'), 'RUN sleep 4\n'));
    const pushing = push(repo, p.url, app, 'admin', p.adminToken);
    let payload: BuildPayload | null = null;
    for (let i = 0; i < 200 && !payload; i++) {
      const store = p.running.store!;
      const a = store.apps.byName(app);
      const v = a && store.versions.byLabel(a.id, '1.0');
      payload = v ? ((await builds.getJob(buildJobId(v.id)))?.data ?? null) : null;
      if (!payload) await new Promise((r) => setTimeout(r, 50));
    }
    expect(payload).not.toBeNull();
    const id = payload!.versionId;
    const get = (signature: string, versionId = id) => fetch(sourceUrl(payload!).replace(/\/\d+$/, `/${versionId}`), { headers: asBuilder(signature) });
    // Live and right: the tar of the commit.
    const ok = await get(payload!.contextSignature);
    expect(ok.status).toBe(200);
    expect(isTar(Buffer.from(await ok.arrayBuffer()))).toBe(true);
    // Signed with the real key, but expired, or for another build.
    const secret = readFileSync(join(p.dataDir, 'secret'), 'utf8').trim();
    const past = new Signer(secret, () => Date.now() - 3_600_000).sign({ kind: 'build-source', id }, 60_000);
    const expired = await get(past);
    expect(expired.status).toBe(403);
    expect(await expired.json()).toMatchObject({ code: 'signature_expired' });
    const other = await get(payload!.contextSignature, id + 1);
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({ code: 'bad_signature' });
    // A signature made with any other key.
    const forged = await get(new Signer('not the secret').sign({ kind: 'build-source', id }, 60_000));
    expect(forged.status).toBe(403);
    expect((await pushing).code).toBe(0);
  });
});
