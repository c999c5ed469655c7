// A runner on another host shares no folder with the server: it downloads a job's inputs
// and uploads its outputs and log over HTTP, through a network that refuses and cuts
// connections; the job is `done` only once its outputs have arrived. Its token, and the
// signed staging URLs, let it reach nothing else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fixtureRepo, push } from '../helpers/git.js';
import { removeImages, uniqueName } from '../helpers/platform.js';
import { startFleet, type Fleet } from '../helpers/runner-hosts.js';
import { startFlakyProxy, type FlakyProxy } from '../helpers/flaky-proxy.js';
import { spawnRole } from '../../support/processes.js';
import { allgo, tempHomes } from '../helpers/cli.js';
import { Signer, stagingScope } from '../../server/signer.js';
import { RUNNER_ROUTES } from '../../common/runner-protocol.js';
import { SIGNATURE_HEADER } from '../../common/internal-http.js';

const CONFIG = `
queues:
  standard: {time_limit: 20m}
  nobody: {time_limit: 20m, labels: [none-has-it]}
runner: {lock_duration: 2s, heartbeat: 1s}
`;

let fleet: Fleet;
let proxy: FlakyProxy;
let probe: string;
const homes = tempHomes();

beforeAll(async () => {
  fleet = await startFleet(CONFIG);
  proxy = await startFlakyProxy(fleet.internalUrl);
  probe = uniqueName('probe');
  expect((await push(fixtureRepo('probe'), fleet.url, probe, 'admin', fleet.adminToken)).code).toBe(0);
});
afterAll(async () => {
  await fleet?.close();
  await proxy?.close();
  removeImages([probe]);
  homes.removeAll();
});

const runnerLog = (dataDir: string, id: number): string => {
  try {
    return readFileSync(join(dataDir, 'runner', 'work', `${id}-1`, 'allgo.log'), 'utf8');
  } catch {
    return '';
  }
};

describe('a runner host with a data dir of its own', () => {
  it('stages the inputs, uploads the outputs through refused and cut connections, and the job is done only once they arrived', async () => {
    const host = await fleet.runner('stager', { serverUrl: proxy.url });
    await host.process.waitFor('runner ready');
    const input = randomBytes(3 * 1024 * 1024);
    const id = await fleet.submit(probe, `bash 'cat in.bin in.bin > out.bin; echo made; sleep 4; echo bye'`, { files: { 'in.bin': input } });
    // The job ran on the runner host with the inputs it downloaded.
    await expect.poll(() => runnerLog(host.dataDir, id), { timeout: 60_000, message: 'the job never made its output' }).toContain('made');
    proxy.refuse();
    await expect.poll(() => runnerLog(host.dataDir, id), { timeout: 30_000, message: 'the container never ended' }).toContain('bye');
    // Ended on the runner, not arrived: neither done nor showing a partial output.
    await new Promise((r) => setTimeout(r, 1500));
    const meanwhile = await fleet.job(id);
    expect(meanwhile.status).toBe('running');
    expect((meanwhile.files as { name: string }[]).map((f) => f.name)).toEqual(['in.bin']);
    // The network comes back, and cuts the 6 MB upload once half-way.
    proxy.cutOnceAfter(1024 * 1024);
    proxy.pass();
    const end = await fleet.done(id);
    expect(end).toMatchObject({ result: 'success', exit_code: 0 });
    expect(proxy.cuts).toBeGreaterThanOrEqual(2);
    const files = end.files as { name: string; size: number; url: string }[];
    expect(files.map((f) => [f.name, f.size])).toEqual([
      ['allgo.log', Buffer.byteLength('made\nbye\n')],
      ['in.bin', input.length],
      ['out.bin', 2 * input.length],
    ]);
    const out = Buffer.from(await (await fetch(files[2].url)).arrayBuffer());
    expect(out.equals(Buffer.concat([input, input]))).toBe(true);
    expect(await (await fetch(files[0].url)).text()).toBe('made\nbye\n');
    // Its work folder goes once the upload is confirmed; the server's folder was never shared.
    await expect.poll(() => existsSync(join(host.dataDir, 'runner', 'work', `${id}-1`)), { timeout: 10_000, message: 'the work folder stayed' }).toBe(false);
    expect(existsSync(join(host.dataDir, 'datastore'))).toBe(false);
  });
});

describe('runner tokens and staging URLs', () => {
  it('are made by an admin with allgo runner-token add, shown once, refused twice', async () => {
    const name = uniqueName('cli-made');
    const home = homes.make();
    const made = await allgo(['runner-token', 'add', name, '--url', fleet.url, '--token', fleet.adminToken], { home });
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout.trim()).toMatch(/^allgo_runner_[A-Za-z0-9_-]{32}$/);
    const again = await allgo(['runner-token', 'add', name, '--url', fleet.url, '--token', fleet.adminToken], { home });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('already exists');
    const list = (await (await fleet.api('/api/v1/runner-tokens')).json()) as { tokens: { name: string }[] };
    expect(list.tokens.map((t) => t.name)).toContain(name);
    expect(JSON.stringify(list)).not.toContain(made.stdout.trim());
  });

  it('refuse a runner with a wrong token, a user token, or no server, at start, in one line', async () => {
    const dirs: string[] = [];
    const own = (name: string) => {
      dirs.push(mkdtempSync(join(tmpdir(), `allgo-refused-${name}-`)));
      return { ALLGO_DATA_DIR: dirs[dirs.length - 1], REDIS_URL: fleet.redisUrl };
    };
    const cases = [
      { env: { ...own('a'), ALLGO_SERVER_URL: fleet.internalUrl, ALLGO_RUNNER_TOKEN: 'allgo_runner_wrong' }, says: 'refused ALLGO_RUNNER_TOKEN: unknown or revoked runner token' },
      { env: { ...own('b'), ALLGO_SERVER_URL: fleet.internalUrl, ALLGO_RUNNER_TOKEN: fleet.adminToken }, says: 'user tokens cannot act as runners' },
      { env: { ...own('c'), ALLGO_SERVER_URL: 'http://127.0.0.1:9', ALLGO_RUNNER_TOKEN: 'allgo_runner_x' }, says: 'cannot reach the server at http://127.0.0.1:9' },
    ];
    for (const c of cases) {
      const r = spawnRole('runner', c.env);
      const code = await new Promise<number | null>((resolve) => r.child.once('exit', resolve));
      expect(code).toBe(1);
      const lines = r.output().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(c.says);
    }
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('let neither a user token nor another job\'s or an expired signature fetch a job\'s inputs', async () => {
    const secret = readFileSync(join(fleet.dataDir, 'secret'), 'utf8').trim();
    const userToken = fleet.adminToken;
    const runnerToken = await fleet.runnerToken(uniqueName('probe-r'));
    // Two jobs no runner serves, so their inputs stay on the server.
    const mine = await fleet.submit(probe, 'args', { queue: 'nobody', files: { 'mine.txt': 'mine' } });
    const theirs = await fleet.submit(probe, 'args', { queue: 'nobody', files: { 'secret.txt': 'not yours' } });
    const call = (path: string, token: string, signature?: string, init: RequestInit = {}) =>
      fetch(fleet.internalUrl + path, { ...init, headers: { authorization: `Bearer ${token}`, ...(signature ? { [SIGNATURE_HEADER]: signature } : {}), ...(init.headers as Record<string, string>) } });
    const input = RUNNER_ROUTES.input(theirs, 1, 'secret.txt');

    // A user's token is no runner's: it can neither claim nor download.
    const asUser = await call(RUNNER_ROUTES.claim(theirs, 1), userToken, undefined, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(asUser.status).toBe(401);
    expect(((await asUser.json()) as { error: string }).error).toContain('user tokens cannot act as runners');
    const signer = new Signer(secret);
    const theirsSig = signer.sign(stagingScope('inputs', theirs, 1), 60_000);
    expect((await call(input, userToken, theirsSig)).status).toBe(401);

    // A runner's token with a signature for another job, another use, none, or an expired one.
    const mineSig = signer.sign(stagingScope('inputs', mine, 1), 60_000);
    const refused = async (signature: string | undefined, code: string) => {
      const res = await call(input, runnerToken, signature);
      expect(res.status).toBe(403);
      expect(((await res.json()) as { code: string }).code).toBe(code);
    };
    await refused(mineSig, 'bad_signature');
    await refused(signer.sign(stagingScope('outputs', theirs, 1), 60_000), 'bad_signature');
    await refused(undefined, 'bad_signature');
    const past = new Signer(secret, () => Date.now() - 3600_000).sign(stagingScope('inputs', theirs, 1), 60_000);
    await refused(past, 'signature_expired');
    const [kind, id, , mac] = theirsSig.split('.');
    await refused([kind, id, String(Math.ceil(Date.now() / 1000) + 3600), mac].join('.'), 'bad_signature');

    // A build's source needs a runner (or builder) token too, not only the build's signature (401,
    // where a bad signature is a 403).
    const source = '/internal/source/1';
    const sourceSig = signer.sign({ kind: 'build-source', id: 1 }, 60_000);
    expect((await fetch(fleet.internalUrl + source, { headers: { [SIGNATURE_HEADER]: sourceSig } })).status).toBe(401);
    expect((await call(source, userToken, sourceSig)).status).toBe(401);
    // And none of the runner protocol is on the public port.
    expect((await fetch(fleet.url + RUNNER_ROUTES.hello, { method: 'POST', headers: { authorization: `Bearer ${runnerToken}`, 'content-type': 'application/json' }, body: '{}' })).status).toBe(404);

    // A runner's token is no user's either.
    const asApi = await fetch(`${fleet.url}/api/v1/jobs`, { headers: { authorization: `Bearer ${runnerToken}` } });
    expect(asApi.status).toBe(401);
    expect(((await asApi.json()) as { error: string }).error).toContain('a runner token cannot call the API');
  });
});
