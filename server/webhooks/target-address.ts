// Where a webhook may point. A webhook is a request the server makes on a user's behalf, so a
// target that is private, loopback or link-local (the server's own network, a cloud's metadata
// service) is refused unless the config allows it (webhooks.allow_private). A name is checked by
// every address it resolves to, at submission and again at each delivery, and the delivery then
// connects to the address checked (webhook-post.ts): a name that resolves elsewhere a second
// time (DNS rebinding) cannot reach past the check.
import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup } from 'node:dns/promises';
import { WebhookError } from '../errors.js';

/** Ranges no webhook may reach (IANA's special-purpose registries, less the public ones). */
const REFUSED = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24],
  ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) REFUSED.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128], ['::1', 128], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) REFUSED.addSubnet(net, bits, 'ipv6');

/** An IPv4 address an IPv6 one carries (::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::a.b.c.d), or null. */
function embeddedIpv4(ip: string): string | null {
  const m = /^(?:::ffff:|::|64:ff9b::)(?:0:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip);
  const dotted = /^(?:::ffff:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (dotted) return dotted[1];
  if (!m) return null;
  const [hi, lo] = [parseInt(m[1], 16), parseInt(m[2], 16)];
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** Whether `ip` (v4 or v6, as text) lies in a private, loopback, link-local or otherwise non-public range. */
export function isPrivateAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) return REFUSED.check(ip, 'ipv4');
  if (family !== 6) return true;
  const bare = ip.replace(/%.*$/, '').toLowerCase();
  const v4 = embeddedIpv4(bare);
  if (v4 !== null) return REFUSED.check(v4, 'ipv4');
  return REFUSED.check(bare, 'ipv6');
}

export interface TargetCheck {
  allowPrivate: boolean;
  /** Every address a name resolves to (dns.lookup with all: true by default). */
  resolve?: (host: string) => Promise<string[]>;
}

/** A parsed webhook URL: http(s), no credentials in it. Throws a WebhookError naming what is wrong. */
export function parseWebhookUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WebhookError('bad_webhook_url', `webhook ${JSON.stringify(text.slice(0, 200))} is not a URL: give an https://… address`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new WebhookError('bad_webhook_url', `webhook ${JSON.stringify(text.slice(0, 200))} must be an http:// or https:// URL`);
  if (url.username || url.password) throw new WebhookError('bad_webhook_url', 'a webhook URL may not carry a user name or password: put a token in its path or query instead');
  if (text.length > 2000) throw new WebhookError('bad_webhook_url', 'a webhook URL may be at most 2000 characters long');
  return url;
}

const systemResolve = async (host: string): Promise<string[]> => (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * The address to connect to for `url`: its first, once every address its host resolves to is
 * allowed. Throws a WebhookError (webhook_target_refused) for a refused or unresolvable one.
 */
export async function checkTarget(url: URL, check: TargetCheck): Promise<string> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = await (check.resolve ?? systemResolve)(host);
    } catch (err) {
      throw new WebhookError('webhook_target_refused', `the webhook's host ${host} does not resolve (${(err as { code?: string }).code ?? (err as Error).message})`);
    }
    if (addresses.length === 0) throw new WebhookError('webhook_target_refused', `the webhook's host ${host} does not resolve`);
  }
  if (!check.allowPrivate) {
    const refused = addresses.find(isPrivateAddress);
    if (refused !== undefined) {
      throw new WebhookError('webhook_target_refused', `the webhook's host ${host} is (or resolves to) ${refused}, a private, loopback or link-local address, which this server does not call (webhooks.allow_private)`);
    }
  }
  return addresses[0];
}
