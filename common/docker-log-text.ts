// A container's log as the engine sends it for a container without a TTY (logs with
// follow: false): frames of [stream, 0, 0, 0, size (4 bytes, big-endian)] then the bytes, both
// streams interleaved. Read whole, not streamed: docker.modem.demuxStream is for streams.

/** The text of such a log, stdout and stderr in the order they came. */
export function dockerLogText(buf: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= buf.length) {
    const size = buf.readUInt32BE(at + 4);
    parts.push(buf.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}
