// Claims of fleet numbers, and the teardown of a fleet: its own at close, and any fleet whose
// owner is gone (a killed test run) at the next start.
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive as alive } from './processes.js';
import { CLAIMS, PREFIX, ROOT, readNumber, run, sleep } from './host-shell.js';
import { cgroupDirs, cgroupPids, cgroupTree, killAll, killEverythingIn } from './host-processes.js';
import { stopEngines } from './host-engine.js';

const MAX_FLEETS = 250;

/**
 * The lowest fleet number no live process holds. Claimed by linking a file that already holds
 * our pid, so a sweep running meanwhile never sees an empty claim and takes it for stale.
 */
export function claimFleet(): number {
  mkdirSync(CLAIMS, { recursive: true });
  const mine = join(CLAIMS, `.pid-${process.pid}`);
  writeFileSync(mine, String(process.pid));
  try {
    for (let n = 1; n <= MAX_FLEETS; n++) {
      try {
        linkSync(mine, join(CLAIMS, `fleet-${n}`));
        return n;
      } catch {
        // taken (stale claims were swept just before, so this one is live)
      }
    }
  } finally {
    rmSync(mine, { force: true });
  }
  throw new Error(`no free test fleet number (all ${MAX_FLEETS} claimed in ${CLAIMS})`);
}

function unmountUnder(dir: string): void {
  let mounts: string[];
  try {
    mounts = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4])
      .filter((m) => m && (m === dir || m.startsWith(`${dir}/`)));
  } catch {
    return;
  }
  // Deepest first.
  for (const m of mounts.sort((a, b) => b.length - a.length)) {
    try {
      execFileSync('umount', ['-l', m.replace(/\\040/g, ' ')], { stdio: 'ignore', timeout: 10_000 });
    } catch {
      // already gone
    }
  }
}

async function netnsList(): Promise<string[]> {
  const r = await run('ip', ['netns', 'list'], { timeoutMs: 10_000 });
  return r.stdout.split('\n').map((l) => l.split(' ')[0]).filter(Boolean);
}

/** Removes everything of fleet N: processes, cgroups, mounts, folders, namespaces, links, claim. */
export async function teardownFleet(id: number): Promise<void> {
  const fleetDir = join(ROOT, `fleet-${id}`);
  const mine = (await netnsList()).filter((n) => n.startsWith(`${PREFIX}${id}-`));
  await stopEngines(fleetDir);
  for (const ns of mine) await killEverythingIn(ns, null);
  killAll(cgroupPids(`${PREFIX}${id}`));
  await sleep(100);
  for (const top of cgroupDirs(`${PREFIX}${id}`)) {
    for (const d of cgroupTree(top)) {
      for (let i = 0; i < 20; i++) {
        try {
          rmdirSync(d);
          break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') break;
          killAll(cgroupPids(`${PREFIX}${id}`));
          await sleep(100);
        }
      }
    }
  }
  unmountUnder(fleetDir);
  rmSync(fleetDir, { recursive: true, force: true });
  for (const ns of mine) await run('ip', ['netns', 'delete', ns], { timeoutMs: 10_000 });
  await run('ip', ['link', 'delete', `${PREFIX}${id}`], { timeoutMs: 10_000 });
  rmSync(join(CLAIMS, `fleet-${id}`), { force: true });
}

/**
 * Fleets whose owner is gone (a killed test run): their leftovers are removed. So are
 * namespaces and folders with our prefix and no claim at all (a run killed while claiming).
 */
export async function sweepStale(): Promise<void> {
  const claimed = new Set<number>();
  try {
    for (const f of readdirSync(CLAIMS)) {
      const n = Number(f.replace(/^fleet-/, ''));
      if (!n) continue;
      if (alive(readNumber(join(CLAIMS, f)))) claimed.add(n);
    }
  } catch {
    // no claims yet
  }
  const stale = new Set<number>();
  const re = new RegExp(`^${PREFIX}(\\d+)-`);
  for (const ns of await netnsList()) {
    const m = re.exec(ns);
    if (m && !claimed.has(Number(m[1]))) stale.add(Number(m[1]));
  }
  try {
    for (const f of readdirSync(ROOT)) {
      const n = Number(f.replace(/^fleet-/, ''));
      if (n && !claimed.has(n)) stale.add(n);
    }
  } catch {
    // no fleets yet
  }
  try {
    for (const f of readdirSync(CLAIMS)) {
      const n = Number(f.replace(/^fleet-/, ''));
      if (n && !claimed.has(n)) stale.add(n);
      // a pid file of a run killed while claiming
      if (f.startsWith('.pid-') && !alive(Number(f.slice(5)))) rmSync(join(CLAIMS, f), { force: true });
    }
  } catch {
    // no claims yet
  }
  for (const n of stale) await teardownFleet(n);
}
