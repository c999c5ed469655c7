// Whether a job's container was ended by its Docker engine's death rather than by its program.
// An engine killed with its containerd and containers (a host that lost power, a killed
// dockerd) keeps their records on disk. Its next start finds their tasks gone and marks each
// container exited with code 255 (moby's libcontainerd answers 255 for a task it cannot find),
// with no State.Error and no `die` event: exactly what a program that exits 255 leaves. Time
// tells them apart: such a container was started under an earlier start of the engine.
import { stat } from 'node:fs/promises';
import type Docker from 'dockerode';

/** The exit code an engine gives, as it starts, to a container whose task died with it. */
const RESTORED_EXIT_CODE = 255;

/**
 * When the engine last started, as best its API and socket show, or null when neither does.
 * dockerd makes its unix socket anew at each start, before it restores containers, unless
 * systemd holds the socket for it; it makes its default `bridge` network anew at each start,
 * after the restore, unless the bridge is disabled or live-restored containers keep it. The
 * later of the two is the latest known start.
 */
async function engineStartedAt(docker: Docker): Promise<number | null> {
  // dockerode keeps the local default as a function that finds it.
  const given = (docker.modem as { socketPath?: unknown }).socketPath;
  const socketPath = typeof given === 'function' ? await (given as () => Promise<unknown>)() : given;
  const times = await Promise.all([
    typeof socketPath === 'string' ? stat(socketPath).then((s) => s.mtimeMs, () => null) : null,
    docker
      .getNetwork('bridge')
      .inspect()
      .then((n: { Created?: string }) => (n.Created ? Date.parse(n.Created) : null), () => null),
  ]);
  const known = times.filter((t): t is number => typeof t === 'number' && Number.isFinite(t));
  return known.length > 0 ? Math.max(...known) : null;
}

/**
 * True for a stopped container with code 255 that started before its engine last started, and
 * for a `dead` one: its program did not end it, its engine's death did. (One whose program itself exited 255 while no
 * runner watched, just before the engine died too, is taken for the same: nothing tells them apart.)
 */
export async function endedByEngineDeath(docker: Docker, info: Docker.ContainerInspectInfo): Promise<boolean> {
  const s = info.State;
  // Left `dead` by an engine that died while it started or removed the container: neither its
  // logs nor its end can be read (the engine answers 409), so nobody can re-attach to it.
  if (s.Status === 'dead') return true;
  if (s.Running || s.Status === 'created' || s.ExitCode !== RESTORED_EXIT_CODE) return false;
  const started = Date.parse(s.StartedAt);
  if (!Number.isFinite(started) || s.StartedAt.startsWith('0001')) return false;
  const engineStart = await engineStartedAt(docker);
  return engineStart !== null && started < engineStart;
}
