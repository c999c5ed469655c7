#!/usr/bin/env node
// Run by git as the pre-receive hook of every app repository. It decides nothing itself:
// it sends the ref updates (and git's quarantine variables, without which the pushed objects
// are invisible) to the allgo server that spawned this push, prints what the server streams
// back (git shows it as `remote:` lines), and exits with the server's verdict.
// Plain JavaScript on purpose: git runs it directly, whether allgo runs from dist/ or source.
import { request } from 'node:http';

const hook = process.argv[2] ?? 'pre-receive';
const url = process.env.ALLGO_HOOK_URL;
const secret = process.env.ALLGO_HOOK_SECRET;
const pushId = process.env.ALLGO_PUSH_ID;
if (!url || !secret || !pushId) {
  process.stdout.write('allgo: this repository only accepts pushes made through the allgo server\n');
  process.exit(1);
}

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const gitEnv = {};
for (const k of ['GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_QUARANTINE_PATH']) {
  if (process.env[k]) gitEnv[k] = process.env[k];
}
// `git push -o NAME=VALUE`: git hands the hook each option as GIT_PUSH_OPTION_<i>.
const pushOptions = [];
for (let i = 0; i < Number(process.env.GIT_PUSH_OPTION_COUNT ?? 0); i++) pushOptions.push(process.env[`GIT_PUSH_OPTION_${i}`] ?? '');
const body = JSON.stringify({ pushId, hook, updates: Buffer.concat(chunks).toString('utf8'), env: gitEnv, cwd: process.cwd(), pushOptions });

let exitCode = 1;
let sawVerdict = false;
await new Promise((resolve) => {
  const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-allgo-hook-secret': secret } }, (res) => {
    res.setEncoding('utf8');
    let pending = '';
    res.on('data', (text) => {
      pending += text;
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (!line) continue;
        let msg;
        try {
          msg = JSON.parse(line);
        } catch {
          process.stdout.write(line + '\n');
          continue;
        }
        if (typeof msg.out === 'string') process.stdout.write(msg.out);
        if (typeof msg.exit === 'number') {
          exitCode = msg.exit;
          sawVerdict = true;
        }
      }
    });
    res.on('end', resolve);
    res.on('error', resolve);
  });
  req.on('error', (err) => {
    process.stdout.write(`allgo: cannot reach the allgo server (${err.message}); try again\n`);
    resolve();
  });
  req.end(body);
});
if (!sawVerdict && exitCode !== 0) process.stdout.write('allgo: lost contact with the allgo server before it decided; try again\n');
process.exit(exitCode);
