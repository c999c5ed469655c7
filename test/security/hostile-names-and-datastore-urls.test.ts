// Issue 9, probes that held: hostile names and datastore URL tampering.
// - Upload names that would leave the job folder, hide what they are, or take the log's place,
//   and app names that are paths, are refused with a 400 / a refused push, and nothing is made.
// - Holding one result link (job A's), every variant of it (encodings, traversal, swapped
//   keys and ids, case, separators) opens nothing else: not job B's files, not the server's.
// Paths are sent as written (node:http), never normalised by a URL parser first.
import { describe, expect } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { waitForJob, type Platform } from '../helpers/platform.js';
import { platformTest } from '../helpers/platform-test.js';
import { fixtureRepo, push } from '../helpers/git.js';
import { rawUpload } from '../helpers/raw-upload.js';

interface Link {
  id: number;
  key: string;
}

const test = platformTest().extend<{ a: Link; b: Link }>({
  a: [async ({ platform, probe }, use) => use(await jobWriting(platform, probe, 'secret-of-job-a')), { scope: 'file' }],
  b: [async ({ platform, probe, user }, use) => use(await jobWriting(platform, probe, 'secret-of-job-b', user.token)), { scope: 'file' }],
});

/** A finished job that wrote out.txt, and the key of its links. */
async function jobWriting(p: Platform, app: string, text: string, token = p.adminToken): Promise<Link> {
  const id = await p.submit(app, `write out.txt ${text}`, { token });
  const job = await waitForJob(p, id, token);
  expect(job.result).toBe('success');
  const url = (job.files as { name: string; url: string }[]).find((f) => f.name === 'out.txt')!.url;
  return { id, key: new URL(url).pathname.split('/')[3] };
}

/** GET with the path exactly as given. */
function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    request({ host: hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

/** Job folders made so far (the datastore is made with the first). */
const jobFolders = (p: Platform) => (existsSync(join(p.dataDir, 'datastore')) ? readdirSync(join(p.dataDir, 'datastore')).filter((n) => n !== '.incoming') : []);

describe('hostile names (held)', () => {
  test('upload names that are paths, folders, controls, direction overrides, too long or the log are refused, and nothing is written', async ({ platform: p, probe }) => {
    const before = jobFolders(p);
    const names = ['../../escape.txt', '/etc/passwd', 'a/b.txt', 'a\\b.txt', '.', '..', 'allgo.log', 'x'.repeat(256), 'bell\u0007.txt', 'esc\u001b[31m.txt', 'c1\u0085.txt', 'txt.\u202Eexe', '\u2066isolate.txt'];
    for (const name of names) {
      const { status, body } = await rawUpload(p.url, p.adminToken, [
        { field: 'job[webapp_id]', value: probe },
        { field: 'files[0]', filename: name, bytes: 10 },
      ]).answer;
      expect(status, JSON.stringify(name)).toBe(400);
      expect(JSON.parse(body).code, JSON.stringify(name)).toBe('bad_file_name');
    }
    expect(jobFolders(p)).toEqual(before);
    const incoming = join(p.dataDir, 'datastore', '.incoming');
    if (existsSync(incoming)) expect(readdirSync(incoming)).toEqual([]);
  });

  test('app names that are paths, encodings or out of the rule make no repository', async ({ platform: p }) => {
    const repos = () => readdirSync(join(p.dataDir, 'repos')).sort();
    const before = repos();
    for (const name of ['..%2Fescape', '%2e%2e', 'UPPER', 'a', '-dash', 'dash-', 'x'.repeat(41), 'a.b', 'a%00b', '.staging']) {
      const r = await push(fixtureRepo('probe'), p.url, name, 'admin', p.adminToken);
      expect(r.code, name).not.toBe(0);
    }
    expect(repos()).toEqual(before);
  });
});

describe('datastore URL tampering (held)', () => {
  test('no variant of one link opens another file, another job or the server', async ({ platform: p, a, b }) => {
    const own = `/datastore/${a.id}/${a.key}/out.txt`;
    expect(await rawGet(p.url, own)).toMatchObject({ status: 200, body: 'secret-of-job-a\n' });
    const K = a.key;
    const flip = (k: string) => k.slice(0, -1) + (k.endsWith('0') ? '1' : '0');
    const variants = [
      // swapped keys and ids
      `/datastore/${b.id}/${K}/out.txt`,
      `/datastore/${a.id}/${b.key.slice(0, 20)}${K.slice(20)}/out.txt`,
      `/datastore/${b.id}/${K.toUpperCase()}/out.txt`,
      `/datastore/${a.id}/${K.toUpperCase()}/out.txt`,
      `/datastore/${a.id}/${flip(K)}/out.txt`,
      `/datastore/${a.id}/${K.slice(0, -1)}/out.txt`,
      `/datastore/${a.id}/${K}0/out.txt`,
      `/datastore/${a.id}//out.txt`,
      `/datastore/${a.id}/%20${K}/out.txt`,
      `/datastore/${a.id}/${K};/out.txt`,
      // job ids that are not one
      `/datastore/-${a.id}/${K}/out.txt`,
      `/datastore/${a.id}.0/${K}/out.txt`,
      `/datastore/${a.id}e0/${K}/out.txt`,
      `/datastore/0x${a.id.toString(16)}/${K}/out.txt`,
      `/datastore/%EF%BC%91/${K}/out.txt`,
      `/datastore/${a.id}%2F..%2F${b.id}/${K}/out.txt`,
      `/datastore/${b.id}%20/${K}/out.txt`,
      // traversal out of the job folder, plain and encoded
      `/datastore/${a.id}/${K}/../../${b.id}/${K}/out.txt`,
      `/datastore/${b.id}/../${a.id}/${K}/../out.txt`,
      `/datastore/${a.id}/${K}/..%2F..%2F${b.id}%2Fout.txt`,
      `/datastore/${a.id}/${K}/%2e%2e%2f%2e%2e%2fallgo.db`,
      `/datastore/${a.id}/${K}/%2E%2E/%2E%2E/allgo.db`,
      `/datastore/${a.id}/${K}/%252e%252e%252fallgo.db`,
      `/datastore/${a.id}/${K}/..%5C..%5Callgo.db`,
      `/datastore/${a.id}/${K}/....//....//secret`,
      `/datastore/${a.id}/${K}/%c0%ae%c0%ae%c0%afsecret`,
      `/datastore/${a.id}/${K}/..`,
      `/datastore/${a.id}/${K}/%2e%2e`,
      `/datastore/${a.id}/${K}/.`,
      `/datastore/${a.id}/${K}/`,
      `/datastore/${a.id}/${K}`,
      `/datastore/${a.id}/`,
      `/datastore/`,
      `/datastore/${a.id}/${K}/out.txt%00.png`,
      `/datastore/${a.id}/${K}/out.txt%2F`,
      `/datastore/${a.id}/${K}/out.txt/`,
      `/datastore/${a.id}/${K}/.%2Fout.txt`,
      `/datastore/${a.id}/${K}/%2Fetc%2Fpasswd`,
      `/datastore/${a.id}/${K}/%2E%2E%2F%2E%2E%2F%2E%2E%2F%2E%2E%2Fetc%2Fpasswd`,
      // the key moved elsewhere in the request
      `/datastore/${b.id}/out.txt?key=${K}`,
      `/datastore/${b.id}/${flip(b.key)}/out.txt?key=${K}`,
      `/datastore/${b.id}/${flip(b.key)}/out.txt#${K}`,
      // the route itself, as spelled by another
      `/DATASTORE/${b.id}/${K}/out.txt`,
      `/datastore%2F${b.id}%2F${K}%2Fout.txt`,
      `//datastore/${b.id}/${K}/out.txt`,
      `/./datastore/${b.id}/${K}/out.txt`,
    ];
    for (const path of variants) {
      const r = await rawGet(p.url, path);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.status, path).toBeLessThan(500);
      for (const secret of ['secret-of-job-a', 'secret-of-job-b', 'SQLite format', 'root:x:0']) expect(r.body.includes(secret), `${path}: ${secret}`).toBe(false);
    }
    // b's own link still works: the refusals above were of the variants, not of b.
    expect(await rawGet(p.url, `/datastore/${b.id}/${b.key}/out.txt`)).toMatchObject({ status: 200, body: 'secret-of-job-b\n' });
  });
});
