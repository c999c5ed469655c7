// The URLs the server logs keep their shape and lose their secrets.
import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../server/log-redaction.js';

describe('redactUrl', () => {
  it.each([
    ['/datastore/12/4f9a0c/out.txt', '/datastore/12/[redacted]/out.txt'],
    ['/datastore/12/4f9a0c', '/datastore/12/[redacted]'],
    ['//DataStore//12//4f9a0c/x', '//DataStore//12//[redacted]/x'],
    ['/internal/source/3?sig=abc', '/internal/source/3?sig=[redacted]'],
    ['/api/v1/jobs?token=allgo_x&limit=2', '/api/v1/jobs?token=[redacted]&limit=2'],
    ['/api/v1/jobs?limit=2&%74oken=allgo_x', '/api/v1/jobs?limit=2&%74oken=[redacted]'],
    ['/api/v1/jobs?TOKEN=a&Sig=b&access_token=c', '/api/v1/jobs?TOKEN=[redacted]&Sig=[redacted]&access_token=[redacted]'],
    ['/api/v1/apps?tag=token', '/api/v1/apps?tag=token'],
    ['/apps/datastore/', '/apps/datastore/'],
  ])('%s → %s', (url, expected) => expect(redactUrl(url)).toBe(expected));
});
