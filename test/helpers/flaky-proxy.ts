// A TCP proxy in front of the server that a test can make refuse connections, or cut one in
// the middle, as a flaky network between a runner host and the server would.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface FlakyProxy {
  url: string;
  /** Refuse every connection (closed at once) until pass(). */
  refuse(): void;
  pass(): void;
  /** Cut the next connection whose client has sent more than `bytes`, once. */
  cutOnceAfter(bytes: number): void;
  /** Connections cut or refused so far. */
  readonly cuts: number;
  close(): Promise<void>;
}

export async function startFlakyProxy(target: string): Promise<FlakyProxy> {
  const { hostname, port } = new URL(target);
  let refusing = false;
  let cutAfter: number | null = null;
  let cuts = 0;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    if (refusing) {
      cuts++;
      client.destroy();
      return;
    }
    const upstream = connect(Number(port), hostname);
    open.add(upstream);
    upstream.on('close', () => open.delete(upstream));
    let sent = 0;
    client.on('data', (chunk: Buffer) => {
      sent += chunk.length;
      if (cutAfter !== null && sent > cutAfter) {
        cutAfter = null;
        cuts++;
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('end', () => upstream.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: own } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${own}`,
    refuse: () => {
      refusing = true;
      for (const s of open) s.destroy();
    },
    pass: () => (refusing = false),
    cutOnceAfter: (bytes) => (cutAfter = bytes),
    get cuts() {
      return cuts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
