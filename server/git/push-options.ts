// What a pusher may say for one push with `git push -o allgo.NAME=VALUE`. Options of other
// tools pass through unread; an allgo option that is misspelt or has a bad value refuses the
// push, so a typo never publishes what was meant to wait.
import { PushRefusal } from './push-checks.js';

export interface PushOptions {
  /** allgo.promote: overrides the manifest's `promote` for this push. */
  promote?: boolean;
}

const BOOLEAN: Record<string, boolean> = { true: true, yes: true, 1: true, false: false, no: false, 0: false };

export function readPushOptions(raw: readonly string[]): PushOptions {
  const options: PushOptions = {};
  for (const option of raw) {
    if (!option.startsWith('allgo.')) continue;
    const eq = option.indexOf('=');
    const name = eq < 0 ? option : option.slice(0, eq);
    const value = eq < 0 ? 'true' : option.slice(eq + 1).toLowerCase();
    if (name !== 'allgo.promote') throw new PushRefusal('bad_push_option', `unknown push option "${name}": allgo takes -o allgo.promote=false (publish without making it the default)`);
    if (!(value in BOOLEAN)) throw new PushRefusal('bad_push_option', `push option allgo.promote takes true or false, not "${value}"`);
    options.promote = BOOLEAN[value];
  }
  return options;
}
