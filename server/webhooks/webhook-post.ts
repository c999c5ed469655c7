// One delivery attempt: POST the body to the target, connecting to the address the check
// allowed (and only that one: the lookup Node asks for is answered with it), within a time limit.
// The receiver's body is not read beyond a little; only its status counts.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';

export interface PostResult {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** Always answers `address`, whatever the name: the connection goes where the check looked. */
const pinnedLookup = (address: string): LookupFunction => (_host, options, callback) => {
  const family = isIP(address);
  if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
  else callback(null, address, family);
};

export function postWebhook(url: URL, address: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<PostResult> {
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'allgo-webhooks' },
      lookup: pinnedLookup(address),
      timeout: timeoutMs,
    });
    req.on('response', (res: IncomingMessage) => {
      res.resume();
      res.on('end', () => resolve({ statusCode: res.statusCode ?? null, error: null, durationMs: took() }));
      res.on('error', () => resolve({ statusCode: res.statusCode ?? null, error: null, durationMs: took() }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', (err) => resolve({ statusCode: null, error: err.message, durationMs: took() }));
    req.end(body);
  });
}
