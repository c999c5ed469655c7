// Docker's build errors are written for Docker's developers: "(HTTP code 400) unexpected -
// dockerfile parse error line 6: unknown instruction: RUNN". A provider reads the push output, so
// the failure is said in words there; the raw text stays in the build log.

const RULES: [RegExp, (...g: string[]) => string][] = [
  [/dockerfile parse error (?:on )?line (\d+): unknown instruction: (\S+)/i, (line, what) => `Dockerfile line ${line}: unknown instruction ${what}`],
  [/dockerfile parse error (?:on )?line (\d+): (.+)/i, (line, what) => `Dockerfile line ${line}: ${what}`],
  [/The command '(.+)' returned a non-zero code: (\d+)/s, (cmd, code) => `the step \`${cmd.replace(/^\/bin\/sh -c /, '')}\` exited with code ${code}`],
  [/pull access denied for ([^,\s]+)|manifest for (\S+) not found|No such image: (\S+)/, (a, b, c) => `the base image ${a ?? b ?? c} is not on this server: use an image the platform provides`],
  [/COPY failed: (?:file not found in build context or excluded by \.dockerignore: )?(?:stat )?(.+?): (?:no such file or directory|file does not exist)/i, (path) => `COPY failed: ${path} is not in the repository (or is excluded by .dockerignore)`],
  [/failed to (?:process|expand) "(.+?)": (.+)/, (what, why) => `Dockerfile: cannot expand ${what}: ${why}`],
];

/** The failure in a provider's words; the raw text, tidied, when no rule knows it. */
export function describeBuildFailure(raw: string): string {
  const text = raw.replace(/^\(HTTP code \d+\) [a-z ]+ - /, '').trim();
  for (const [re, say] of RULES) {
    const m = re.exec(text);
    if (m) return say(...m.slice(1));
  }
  return text;
}
