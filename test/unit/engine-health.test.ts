// A stopping dockerd closes its listener, then goes on answering on the connections it already
// has while it stops its containers. A fake engine on a unix socket does the same here.
import { describe, expect, it } from 'vitest';
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { engineAnswers, engineGoesAway } from '../../runner/engine-health.js';

// Plain net, not node:http: an http.Server's close() drops its idle connections too.
async function fakeEngine(): Promise<{ socketPath: string; stopListening: () => void; close: () => void }> {
  const socketPath = join(mkdtempSync(join(tmpdir(), 'allgo-engine-')), 'docker.sock');
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    let seen = '';
    socket.on('data', (chunk) => {
      seen += chunk.toString();
      for (let end = seen.indexOf('\r\n\r\n'); end >= 0; end = seen.indexOf('\r\n\r\n')) {
        seen = seen.slice(end + 4);
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nOK');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return { socketPath, stopListening: () => server.close(), close: () => sockets.forEach((s) => s.destroy()) };
}

describe('whether the engine answers', () => {
  it('asks on a new connection: an engine that stopped listening is away, though it still answers on a kept one', async () => {
    const engine = await fakeEngine();
    const docker = new Docker({ socketPath: engine.socketPath, agent: new http.Agent({ keepAlive: true }) } as Docker.DockerOptions);
    try {
      await docker.ping();
      expect(await engineAnswers(docker)).toBe(true);
      engine.stopListening();
      // The kept-alive connection still answers, as a stopping dockerd's does.
      expect(String(await docker.ping())).toBe('OK');
      expect(await engineAnswers(docker)).toBe(false);
      expect(await engineGoesAway(docker, 1000)).toBe(true);
    } finally {
      engine.close();
    }
  });

  it('does not call an engine that goes on listening away', async () => {
    const engine = await fakeEngine();
    try {
      expect(await engineGoesAway(new Docker({ socketPath: engine.socketPath }), 600)).toBe(false);
    } finally {
      engine.stopListening();
      engine.close();
    }
  });
});
