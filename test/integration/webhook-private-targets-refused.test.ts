// With the default config, a webhook may not point at the server's own network: a loopback,
// private or link-local target is refused at submission (and a name resolving to one), so a
// webhook cannot probe what only the server can reach.
import { describe, expect } from 'vitest';
import { platformTest } from '../helpers/platform-test.js';

const test = platformTest();
const json = { 'content-type': 'application/json' };

describe('webhook targets with the default config', () => {
  test.for(['http://127.0.0.1:8080/hook', 'http://localhost:8080/hook', 'http://[::1]/hook', 'http://[::ffff:127.0.0.1]/hook', 'http://169.254.169.254/latest/meta-data', 'http://10.0.0.1/'])(
    'a job whose webhook is %s is refused with 400',
    async (url, { platform: p, user }) => {
      await p.api('/api/v1/user/webhook/secret', { method: 'POST', token: user.token });
      const form = new FormData();
      form.append('job[webapp_id]', 'any-app');
      form.append('job[webhook]', url);
      const res = await p.api('/api/v1/jobs', { method: 'POST', token: user.token, body: form });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'webhook_target_refused', error: expect.stringContaining('private, loopback or link-local') });
    },
  );

  test('a default webhook on loopback is refused too, and none is registered', async ({ platform: p, user }) => {
    const res = await p.api('/api/v1/user/webhook', { method: 'PUT', token: user.token, headers: json, body: JSON.stringify({ url: 'http://127.0.0.1:9/hook' }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'webhook_target_refused' });
    expect(await (await p.api('/api/v1/user/webhook', { token: user.token })).json()).toMatchObject({ url: null });
  });
});
