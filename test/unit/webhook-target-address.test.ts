// Webhook targets: private, loopback and link-local addresses are refused, in IPv4, IPv6 and
// IPv4 carried in IPv6, and a name by every address it resolves to.
import { describe, expect, it } from 'vitest';
import { checkTarget, isPrivateAddress, parseWebhookUrl } from '../../server/webhooks/target-address.js';
import { parseEvents } from '../../server/webhooks/webhook-request.js';
import { WebhookError } from '../../server/errors.js';

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255',
    '::1', '::', 'fe80::1', 'fe80::1%eth0', 'fc00::1', 'fd12:3456::1', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:a9fe:a9fe', '::127.0.0.1', '64:ff9b::10.0.0.1', '::FFFF:192.168.0.1',
    'not-an-ip',
  ])('refuses %s', (ip) => expect(isPrivateAddress(ip)).toBe(true));

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '192.169.0.1', '2606:4700:4700::1111', '2001:4860:4860::8888', '::ffff:8.8.8.8', '::ffff:808:808'])('allows %s', (ip) =>
    expect(isPrivateAddress(ip)).toBe(false));
});

describe('checkTarget', () => {
  const resolveTo = (addresses: string[]) => async () => addresses;
  const refusal = async (p: Promise<unknown>) => {
    const err = await p.then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(WebhookError);
    return err as WebhookError;
  };

  it('refuses an IP literal in a private range, unless private targets are allowed', async () => {
    expect((await refusal(checkTarget(new URL('http://127.0.0.1:9/x'), { allowPrivate: false }))).code).toBe('webhook_target_refused');
    expect((await refusal(checkTarget(new URL('http://[::1]:9/x'), { allowPrivate: false }))).code).toBe('webhook_target_refused');
    expect((await refusal(checkTarget(new URL('http://[::ffff:169.254.169.254]/'), { allowPrivate: false }))).message).toContain('private, loopback or link-local');
    expect(await checkTarget(new URL('http://127.0.0.1:9/x'), { allowPrivate: true })).toBe('127.0.0.1');
  });

  it('refuses a name when any address it resolves to is private, and connects to the first checked one otherwise', async () => {
    const err = await refusal(checkTarget(new URL('https://hooks.example.org/'), { allowPrivate: false, resolve: resolveTo(['93.184.216.34', '10.0.0.5']) }));
    expect(err.message).toContain('10.0.0.5');
    expect(await checkTarget(new URL('https://hooks.example.org/'), { allowPrivate: false, resolve: resolveTo(['93.184.216.34', '2606:2800:220:1::1']) })).toBe('93.184.216.34');
  });

  it('refuses a name that does not resolve', async () => {
    const gone = async () => {
      throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
    };
    expect((await refusal(checkTarget(new URL('https://nowhere.invalid/'), { allowPrivate: true, resolve: gone }))).message).toContain('ENOTFOUND');
  });
});

describe('webhook URLs and events', () => {
  it('takes http(s) URLs only, without credentials', () => {
    expect(parseWebhookUrl('https://example.org/hook?t=1').href).toBe('https://example.org/hook?t=1');
    for (const bad of ['ftp://example.org/', 'not a url', 'https://user:pw@example.org/']) {
      expect(() => parseWebhookUrl(bad)).toThrow(WebhookError);
    }
  });

  it('defaults to completed, keeps the events in their order, and names an unknown one', () => {
    expect(parseEvents(undefined)).toEqual(['completed']);
    expect(parseEvents('')).toEqual(['completed']);
    expect(parseEvents('completed, start,progress')).toEqual(['start', 'progress', 'completed']);
    expect(parseEvents(['progress'])).toEqual(['progress']);
    expect(() => parseEvents('start,finished')).toThrow(/unknown webhook event "finished"/);
  });
});
