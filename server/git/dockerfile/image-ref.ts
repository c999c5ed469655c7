// Image references as the Docker engine normalises them (docker.io/library/debian:bookworm and
// debian:bookworm are one image), and the config's allow-list patterns matched against them.

export type ImageRef =
  /** `sha256:<64 hex>` or the 64 hex alone: an image id. */
  | { kind: 'id'; id: string }
  | {
      kind: 'named';
      /** As `docker images` shows it: no docker.io/, no library/. */
      name: string;
      /** Default "latest" when neither tag nor digest is given. */
      tag: string | null;
      digest: string | null;
      /** name[:tag][@digest]: what allow-list patterns are matched against. */
      familiar: string;
    };

const COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:localhost|(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*)(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * Null when the engine would not take it as a reference either. A string of hex digits alone
 * is an image id to the engine (even a short prefix of one), so it is returned as an id here,
 * and the caller refuses it unless it is complete.
 */
export function parseImageRef(ref: string): ImageRef | { kind: 'short-id'; prefix: string } | null {
  if (/^sha256:/.test(ref) || /^[0-9a-f]+$/.test(ref)) {
    const hex = ref.replace(/^sha256:/, '');
    return /^[0-9a-f]{64}$/.test(hex) ? { kind: 'id', id: `sha256:${hex}` } : { kind: 'short-id', prefix: ref };
  }
  let rest = ref;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return null;
  }
  let tag: string | null = null;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return null;
  }
  const slash = rest.indexOf('/');
  let domain = 'docker.io';
  let path = rest;
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase()) {
      domain = first === 'index.docker.io' ? 'docker.io' : first;
      path = rest.slice(slash + 1);
    }
  }
  if (!DOMAIN.test(domain) || path.length === 0 || rest.length > 255) return null;
  if (!path.split('/').every((c) => COMPONENT.test(c))) return null;
  if (domain === 'docker.io' && path.startsWith('library/') && path.split('/').length === 2) path = path.slice('library/'.length);
  const name = domain === 'docker.io' ? path : `${domain}/${path}`;
  if (!tag && !digest) tag = 'latest';
  return { kind: 'named', name, tag, digest, familiar: `${name}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}` };
}

/** `*` matches any run of characters but `@`, so a tag pattern never admits a digest. */
export function matchesPattern(familiar: string, pattern: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('[^@]*')}$`);
  return re.test(familiar);
}
