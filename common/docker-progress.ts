// Docker's streamed answers (build, push, pull) and its error texts, read the same way by
// the builder and the runner.
import type Docker from 'dockerode';

export interface ProgressEvent {
  status?: string;
  stream?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string; Tag?: string; Digest?: string; Size?: number };
}

/**
 * Follows a progress stream to its end, handing each event to `onEvent`. Resolves with the
 * failure the engine reported in the stream, or that the stream broke with, if any.
 */
export async function followProgress(docker: Docker, stream: NodeJS.ReadableStream, onEvent: (ev: ProgressEvent) => void = () => undefined): Promise<string | undefined> {
  let failure: string | undefined;
  await new Promise<void>((resolve) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null) => {
        if (err) failure ??= dockerMessage(err);
        resolve();
      },
      (ev: ProgressEvent) => {
        if (ev.error) failure ??= ev.errorDetail?.message ?? ev.error;
        onEvent(ev);
      },
    );
  });
  return failure;
}

/** The engine's own sentence, without dockerode's "(HTTP code 404) no such image -" prefix. */
export function dockerMessage(err: unknown): string {
  const e = err as { message?: string; json?: { message?: string } };
  return (e.json?.message ?? e.message ?? String(err)).replace(/^\(HTTP code \d+\) [^-]+- /, '').trim();
}
