import { execFile } from 'node:child_process';
import { parse, client, CliError, CONNECTION_HELP, CONNECTION_OPTIONS, type Command } from '../lib/command.js';
import { EXIT } from '../lib/exit-codes.js';

export const start: Command = {
  name: 'start',
  summary: 'start a session of a webapp, wait until it is ready, print its URL',
  help: `usage: allgo start APP [--version V] [--open] [--no-wait]

Starts a session of a webapp (an app with kind: webapp), waits until it answers, and prints
its address. Only you can open it: the first visit with your token (the URL --open opens
carries it) sets a cookie for that session. It stops by itself after its idle timeout or its
max age; "allgo stop ID" stops it sooner.

  --version V      that version (default: the latest ready one)
  --open           open it in your browser (xdg-open or open)
  --no-wait        print the session's id and return at once
${CONNECTION_HELP}`,

  async run(args) {
    const parsed = parse(this, args, { ...CONNECTION_OPTIONS, version: { type: 'string' }, open: { type: 'boolean' }, 'no-wait': { type: 'boolean' } }, { min: 1, max: 1, names: 'the app' });
    if (!parsed) return EXIT.ok;
    const { values, positionals } = parsed;
    const api = client(values);
    const app = positionals[0];
    const started = await api.startSession(app, values.version);
    process.stderr.write(`allgo: session ${started.id} of ${app} ${started.version} starting\n`);
    if (values['no-wait']) {
      process.stdout.write(`${started.id}\n`);
      return EXIT.ok;
    }
    const s = await api.waitForSession(app, started.id);
    if (s.state !== 'ready') {
      if (s.log_tail) process.stderr.write(s.log_tail.endsWith('\n') ? s.log_tail : `${s.log_tail}\n`);
      throw new CliError(`session ${s.id} ${s.state}: ${s.reason ?? 'no reason given'}`);
    }
    const url = s.host_url ?? s.url;
    process.stdout.write(`${url}\n`);
    process.stderr.write(`allgo: session ${s.id} ready; it stops after ${s.idle_timeout_s / 60} min without a request ("allgo stop ${s.id}" stops it now)\n`);
    if (values.open) {
      const token = api.credentials.token ?? '';
      const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
      execFile(opener, [`${url}?token=${encodeURIComponent(token)}`], (err) => err && process.stderr.write(`allgo: could not open a browser (${opener}): open ${url} yourself\n`));
    }
    return EXIT.ok;
  },
};
