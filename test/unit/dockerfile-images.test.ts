// The pre-receive check of what a Dockerfile builds from, and the Dockerfile it writes back.
import { describe, it, expect } from 'vitest';
import { parseDockerfile, DockerfileRefusal } from '../../server/git/dockerfile/parse.js';
import { checkDockerfile, type ImagePolicy } from '../../server/git/dockerfile/check-images.js';
import { parseImageRef, matchesPattern } from '../../server/git/dockerfile/image-ref.js';

const BOB = `sha256:${'b'.repeat(64)}`;
const ALICE = `sha256:${'a'.repeat(64)}`;
const policy: ImagePolicy = {
  baseImages: ['debian:bookworm', 'python:3.*-slim'],
  // bob may use his own app "bob-tool" and the public "shared"; alice's private app is refused.
  appImage: (app, version) => (app === 'bob-tool' && version === '1.0' ? BOB : null),
  imageId: (id) => (id === BOB ? 'usable' : id === ALICE ? 'forbidden' : 'unknown'),
};
const check = (text: string, p = policy) => checkDockerfile(parseDockerfile(Buffer.from(text)), p);
const refusal = (text: string): DockerfileRefusal => {
  try {
    check(text);
  } catch (err) {
    if (err instanceof DockerfileRefusal) return err;
    throw err;
  }
  throw new Error(`accepted:\n${text}`);
};

describe('image references', () => {
  it('normalises names as the engine does', () => {
    for (const r of ['debian:bookworm', 'docker.io/library/debian:bookworm', 'index.docker.io/library/debian:bookworm', 'library/debian:bookworm']) {
      expect(parseImageRef(r)).toMatchObject({ kind: 'named', familiar: 'debian:bookworm' });
    }
    expect(parseImageRef('debian')).toMatchObject({ familiar: 'debian:latest' });
    expect(parseImageRef('ghcr.io/org/tool:2')).toMatchObject({ name: 'ghcr.io/org/tool', tag: '2' });
    expect(parseImageRef('localhost:5000/x')).toMatchObject({ name: 'localhost:5000/x', tag: 'latest' });
  });

  it('reads hex alone as an image id, which the engine searches by prefix', () => {
    expect(parseImageRef('a'.repeat(64))).toEqual({ kind: 'id', id: ALICE });
    expect(parseImageRef(ALICE)).toEqual({ kind: 'id', id: ALICE });
    expect(parseImageRef('9e07a3')).toEqual({ kind: 'short-id', prefix: '9e07a3' });
    expect(parseImageRef('sha256:9e07')).toEqual({ kind: 'short-id', prefix: 'sha256:9e07' });
  });

  it('refuses what is no reference', () => {
    for (const r of ['Debian:bookworm', 'debian:', 'a//b', 'debian@sha256:xyz', '']) expect(parseImageRef(r)).toBeNull();
  });

  it('matches patterns, never letting * cross into a digest', () => {
    expect(matchesPattern('python:3.12-slim', 'python:3.*-slim')).toBe(true);
    expect(matchesPattern('python:3.12', 'python:3.*-slim')).toBe(false);
    expect(matchesPattern(`debian:bookworm@${ALICE}`, 'debian:*')).toBe(false);
    expect(matchesPattern('debianx:bookworm', 'debian:*')).toBe(false);
  });
});

describe('what a Dockerfile may build from', () => {
  it('accepts an allowed base and writes it back one instruction per line, each on the line it started', () => {
    const out = check('# a comment\nFROM docker.io/library/debian:bookworm\nRUN apt-get update && \\\n    # skipped\n    apt-get install -y python3\nCOPY . /opt/x\n');
    expect(out.text).toBe('\nFROM debian:bookworm\nRUN apt-get update &&     apt-get install -y python3\n\n\nCOPY . /opt/x\n');
    expect(out.images).toEqual(['debian:bookworm']);
  });

  it("refuses another app's image by name, naming the allowed bases", () => {
    const r = refusal('FROM allgo/alice-priv:1.1\nRUN cat /opt/alice-secret.txt\n');
    expect(r).toMatchObject({ code: 'image_not_allowed', line: 1 });
    expect(r.message).toContain('no ready version "1.1" of an app "alice-priv" you may build on');
    expect(r.message).toContain('allowed: debian:bookworm, python:3.*-slim (builder.base_images)');
  });

  it("refuses another app's image by id, in full, by short prefix or as a digest", () => {
    expect(refusal(`FROM ${ALICE}\n`).message).toContain('only the images of public apps and of your own');
    expect(refusal(`FROM ${'a'.repeat(64)}\n`).code).toBe('image_not_allowed');
    expect(refusal('FROM aaaaaa\n').message).toContain('full id');
    expect(refusal(`FROM debian:bookworm@${ALICE}\n`).message).toContain('only the images of public apps');
  });

  it('refuses COPY --from and ADD --from naming an image, and ONBUILD triggers that would', () => {
    expect(refusal('FROM debian:bookworm\nCOPY --from=allgo/alice-priv:1.1 /opt/alice-secret.txt /x\n')).toMatchObject({ code: 'image_not_allowed', line: 2 });
    expect(refusal(`FROM debian:bookworm\nCOPY --chown=1:1 --from=${ALICE} /a /b\n`).line).toBe(2);
    expect(refusal('FROM debian:bookworm\nADD --from=ubuntu:22.04 /a /b\n').message).toContain('ubuntu:22.04 is not an allowed base image');
    expect(refusal('FROM debian:bookworm\nONBUILD COPY --from=allgo/alice-priv:1.1 /a /b\n').message).toContain('a trigger may not name another image');
  });

  it('resolves ARG defaults in FROM and --from, and refuses what cannot be resolved before the build', () => {
    expect(refusal('ARG BASE=allgo/alice-priv:1.1\nFROM $BASE\n').line).toBe(2);
    expect(refusal('ARG BASE="allgo/alice-priv:1.1"\nFROM ${BASE}\n').code).toBe('image_not_allowed');
    expect(refusal('ARG BASE\nFROM $BASE\n')).toMatchObject({ code: 'image_unresolved' });
    expect(refusal('FROM $NOPE\n').message).toContain('not an ARG declared before it');
    expect(refusal('ARG V=1.1\nFROM debian:bookworm\nARG V\nCOPY --from=allgo/alice-priv:${V} /a /b\n').line).toBe(4);
    expect(check('ARG TAG\nFROM debian:${TAG:-bookworm}\n').text).toBe('ARG TAG\nFROM debian:bookworm\n');
  });

  it('refuses quotes, escapes and other forms the engine would read its own way', () => {
    expect(refusal('FROM "allgo/alice-priv:1.1"\n').code).toBe('image_unresolved');
    expect(refusal('FROM allgo/alice-pr\\iv:1.1\n').code).toBe('image_unresolved');
    expect(refusal('FROM debian:bookworm\nCOPY --from="allgo/alice-priv:1.1" /a /b\n').code).toBe('dockerfile_syntax');
    expect(refusal('FROM debian:bookworm\nCOPY \u000b--from=allgo/alice-priv:1.1 /a /b\n').code).toBe('dockerfile_syntax');
    expect(refusal('FROM\u00a0allgo/alice-priv:1.1\n').code).toBe('dockerfile_syntax');
    expect(refusal('FROM debian:bookworm\nRUN --mount=type=bind,from=allgo/alice-priv:1.1,target=/a cat /a/x\n').code).toBe('dockerfile_syntax');
    expect(refusal('RUN echo\nFROM debian:bookworm\n').message).toContain('before the first FROM');
  });

  it("never lets allgo's own tags be named, even when the allow-list would", () => {
    const open = { ...policy, baseImages: ['*'] };
    expect(() => check('FROM allgo-0123456789abcdef/alice-priv:1.1\n', open)).toThrow(/allgo's own/);
    expect(() => check('FROM docker.io/allgo-x/y:1\n', open)).toThrow(/allgo's own/);
    expect(() => check('FROM allgo/alice-priv:1.1\n', open)).toThrow(/you may build on/);
    expect(check('FROM ubuntu:22.04\n', open).text).toBe('FROM ubuntu:22.04\n');
  });

  it('builds on an app the pusher may use, by its image id', () => {
    expect(check('FROM allgo/bob-tool:1.0 AS tool\nFROM debian:bookworm\nCOPY --from=tool /a /b\nCOPY --from=0 /c /d\n').text).toBe(
      `FROM ${BOB} AS tool\nFROM debian:bookworm\nCOPY --from=tool /a /b\nCOPY --from=0 /c /d\n`,
    );
    expect(check(`FROM debian:bookworm\nCOPY --from=${BOB} /a /b\n`).images).toEqual(['debian:bookworm', BOB]);
  });

  it('follows stages: an earlier stage is not an image, a later or the current one is', () => {
    expect(check('FROM debian:bookworm AS Build\nRUN make\nFROM build\nCOPY --from=BUILD /a /b\n').text).toBe('FROM debian:bookworm AS build\nRUN make\nFROM build\nCOPY --from=build /a /b\n');
    expect(refusal('FROM debian:bookworm AS app\nCOPY --from=app /x /y\n').message).toContain('app:latest is not an allowed base image');
    expect(refusal('FROM debian:bookworm\nCOPY --from=1 /x /y\n').code).toBe('image_not_allowed');
  });

  it('reads directives, continuations and comments as the engine does', () => {
    const out = check('# escape=`\nFROM debian:bookworm\nRUN echo a `\n\n  # note\n  b\nCOPY a\\b c\n');
    expect(out.text).toBe('# escape=`\nFROM debian:bookworm\nRUN echo a   b\n\n\n\nCOPY a\\b c\n');
    // A directive after an instruction is a comment; the continuation stays a backslash.
    expect(check('FROM debian:bookworm\n# escape=`\nRUN a \\\n b\n').text).toBe('FROM debian:bookworm\n\nRUN a  b\n');
    // A trailing continuation hides nothing: the next line is part of the instruction.
    expect(check('FROM debian:bookworm\nRUN echo \\\nFROM allgo/alice-priv:1.1\n').text).toBe('FROM debian:bookworm\nRUN echo FROM allgo/alice-priv:1.1\n');
    expect(check('\uFEFFFROM debian:bookworm\r\nRUN true\r\n').text).toBe('FROM debian:bookworm\nRUN true\n');
  });

  it('leaves instructions it does not know to the engine, which refuses them before any step', () => {
    expect(check('FROM debian:bookworm\nRUNN echo typo\n').text).toBe('FROM debian:bookworm\nRUNN echo typo\n');
  });

  it('refuses what is not a Dockerfile at all', () => {
    expect(() => parseDockerfile(Buffer.from('# only a comment\n'))).toThrow(/no instructions/);
    expect(() => parseDockerfile(Buffer.from([0x46, 0x52, 0x4f, 0x4d, 0x20, 0xff]))).toThrow(/UTF-8/);
  });
});
