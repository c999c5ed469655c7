// DOCKER_HOST from the config names the engine every role talks to.
import { describe, it, expect } from 'vitest';
import { dockerOptions, connectDocker } from '../../common/docker.js';
import { loadConfig } from '../../common/config.js';

describe('dockerOptions', () => {
  it.each([
    ['no DOCKER_HOST: Docker\'s default, the local socket', null, {}],
    ['a unix socket', 'unix:///run/user/1000/docker.sock', { socketPath: '/run/user/1000/docker.sock' }],
    ['unix:// without a path', 'unix://', { socketPath: '/var/run/docker.sock' }],
    ['tcp://host:port', 'tcp://engine.lab:2375', { host: 'engine.lab', port: '2375' }],
    ['host:port without a scheme', '10.0.0.5:2375', { host: '10.0.0.5', port: '2375' }],
    ['https', 'https://engine.lab:2376', { host: 'engine.lab', port: '2376', protocol: 'https' }],
    ['ssh with a user', 'ssh://ada@engine.lab', { host: 'engine.lab', port: undefined, protocol: 'ssh', username: 'ada' }],
  ])('reads %s', (_what, host, expected) => {
    expect(dockerOptions(host)).toEqual(expected);
  });

  it('refuses an address that is not one, naming it', () => {
    expect(() => dockerOptions('tcp://[bad')).toThrow(/DOCKER_HOST "tcp:\/\/\[bad" is not an engine address/);
  });

  it('builds the client for the engine the config names', () => {
    const config = loadConfig({ ALLGO_DATA_DIR: '/nonexistent', DOCKER_HOST: 'tcp://engine.lab:2375' });
    const modem = (connectDocker(config) as unknown as { modem: { host: string; port: string } }).modem;
    expect([modem.host, modem.port]).toEqual(['engine.lab', '2375']);
  });
});
