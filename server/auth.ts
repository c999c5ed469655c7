// Who is calling: an API token from `Authorization: Token token=…` (A||GO's form),
// `Token …`, `Bearer …`, or HTTP basic (git, where the password is the token).
import type { Config } from '../common/config.js';
import type { App, Job, User } from './store/index.js';
import type { UserStore } from './store/users.js';

export function tokenFromHeader(header: string | undefined): string | null {
  if (!header) return null;
  const h = header.trim();
  if (/^Token\s+token\s*=/i.test(h)) return /^Token\s+token\s*=\s*"?([^"\s]+)"?$/i.exec(h)?.[1] ?? null;
  let m = /^(?:Token|Bearer)\s+"?([^"\s]+)"?$/i.exec(h);
  if (m) return m[1];
  m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(h);
  if (m) {
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const password = colon >= 0 ? decoded.slice(colon + 1) : '';
    return password || null;
  }
  return null;
}

export function authenticate(users: UserStore, header: string | undefined): User | null {
  const token = tokenFromHeader(header);
  return token ? users.byToken(token) : null;
}

/** Admins, users flagged as providers, and users whose email domain is allowed may create apps. */
export function mayCreateApps(user: User, config: Pick<Config, 'providerDomains'>): boolean {
  if (user.isAdmin || user.isProvider) return true;
  const domain = user.email.split('@').pop()?.toLowerCase() ?? '';
  return config.providerDomains.some((d) => domain === d || domain.endsWith('.' + d));
}

export const mayManage = (user: User | null, app: App): boolean => !!user && (user.isAdmin || user.id === app.ownerId);

/** Private apps are invisible to everyone but their owner and admins. */
export const maySee = (user: User | null, app: App): boolean => !app.private || mayManage(user, app);

/** A job is its owner's and the admins' to see, and nobody's once deleted. */
export const maySeeJob = (user: User | null, job: Pick<Job, 'userId' | 'state'>): boolean =>
  !!user && (user.isAdmin || user.id === job.userId) && job.state !== 'deleted';
