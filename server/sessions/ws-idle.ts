// A proxied WebSocket that carries nothing either way for a while is closed, so that a tab left
// open does not hold its session (an open WebSocket counts as use) until max_age. The socket's
// own timeout cannot say it: the WebSocket library clears it when it takes the socket over.
// Every frame, pings included, crosses the client's socket: its byte counts tell activity.
import type { Socket } from 'node:net';

/** Checks per idle period: the socket closes between 1 and 1.25 idle periods after its last byte. */
const CHECKS = 4;

export function closeWhenSilent(socket: Socket, idleMs: number): void {
  let last = socket.bytesRead + socket.bytesWritten;
  let quietSince = Date.now();
  const timer = setInterval(() => {
    const now = socket.bytesRead + socket.bytesWritten;
    if (now !== last) {
      last = now;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= idleMs) {
      socket.destroy();
    }
  }, Math.max(50, Math.floor(idleMs / CHECKS)));
  timer.unref();
  socket.once('close', () => clearInterval(timer));
}
