// A Docker `--internal` network has no route out, but its bridge still carries the host's own
// address (the gateway): a session could open the API's port or anything listening on the
// host's interfaces. One rule per session's bridge drops every new connection coming in from
// it; the proxy's own connections to the session go out, so their replies still pass.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

class HostFenceError extends Error {
  override name = 'HostFenceError';
}

const rule = (bridge: string): string[] => ['INPUT', '-i', bridge, '-m', 'conntrack', '--ctstate', 'NEW', '-j', 'DROP'];

async function has(tool: string, bridge: string): Promise<boolean> {
  return run(tool, ['-w', '5', '-C', ...rule(bridge)]).then(
    () => true,
    () => false,
  );
}

/** Drops new connections from `bridge` to the host, for IPv4 and (when the host has it) IPv6. */
export async function fenceBridge(bridge: string): Promise<void> {
  try {
    if (!(await has('iptables', bridge))) await run('iptables', ['-w', '5', '-I', ...rule(bridge)]);
  } catch (err) {
    throw new HostFenceError(`could not fence the session's network off the host (iptables: ${(err as Error).message.split('\n')[0]}); the server needs root or CAP_NET_ADMIN to run webapps`);
  }
  // Link-local IPv6 reaches the host too when the kernel has it; no ip6tables, no IPv6 to fence.
  if (!(await has('ip6tables', bridge))) await run('ip6tables', ['-w', '5', '-I', ...rule(bridge)]).catch(() => undefined);
}

export async function unfenceBridge(bridge: string): Promise<void> {
  for (const tool of ['iptables', 'ip6tables']) {
    while (await has(tool, bridge)) await run(tool, ['-w', '5', '-D', ...rule(bridge)]).catch(() => undefined);
  }
}
