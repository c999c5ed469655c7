// How many submissions each user has uploading at once. One user's parallel uploads could
// otherwise fill the disk and the server's sockets before any limit of one job applies; past
// the cap a submission is refused before its body is read. Held in memory: an upload lives no
// longer than its request, and a restarted server has none.
import { TooManyRequestsError } from '../errors.js';

export class UploadSlots {
  private readonly busy = new Map<number, number>();

  constructor(private readonly perUser: number) {}

  /** Takes one of `userId`'s slots, or refuses; call the answer to give it back (once). */
  take(userId: number): () => void {
    const held = this.busy.get(userId) ?? 0;
    if (held >= this.perUser) {
      throw new TooManyRequestsError(`you already have ${held} uploads in progress, the most one user may (limits.uploads_per_user); wait for one to finish`);
    }
    this.busy.set(userId, held + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const left = (this.busy.get(userId) ?? 1) - 1;
      if (left > 0) this.busy.set(userId, left);
      else this.busy.delete(userId);
    };
  }
}
