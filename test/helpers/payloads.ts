// Injection payloads for the pages: each tries to run script, load something, or change
// where the page points, in a different context (element, attribute, URL, template, markdown).
// A payload that runs sets window.__pwned or opens a dialog; one left as markup matches
// HOSTILE_SELECTOR.
export const PAYLOADS: readonly string[] = [
  `<script>window.__pwned='script'</script>`,
  `<img src=x onerror="window.__pwned='img'">`,
  `"><svg onload="window.__pwned='svg'">`,
  `'><iframe src="javascript:parent.__pwned='iframe'"></iframe>`,
  `javascript:window.__pwned='url'`,
  `<a href="javascript:window.__pwned='a'">click</a>`,
  `{{constructor.constructor('window.__pwned=1')()}}`,
  `</script><script>window.__pwned='close'</script>`,
  `<details open ontoggle="window.__pwned='details'">`,
  `<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned='mxss'">`,
  `<body onload="window.__pwned='body'">`,
  `<input autofocus onfocus="window.__pwned='focus'">`,
  `[md link](javascript:window.__pwned='md')`,
  `![md image](x" onerror="window.__pwned='mdimg')`,
  `<style>*{background:url(https://evil.example/css)}</style>`,
  `<meta http-equiv="refresh" content="0;url=https://evil.example/meta">`,
  `<base href="https://evil.example/">`,
];

/** Markup none of the pages makes itself: any match is a payload that became markup. */
export const HOSTILE_SELECTOR = [
  '[onerror]', '[onload]', '[ontoggle]', '[onfocus]', 'iframe', 'svg', 'math', 'base', 'meta',
  'style', 'script:not([src^="/_astro/"])', 'a[href^="javascript" i]', 'details[ontoggle]', 'input[autofocus]',
].join(', ');

/** `text` as one argument of a parameter string (single quotes; a quote inside is '\''). */
export const quoteForParams = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

const y = (s: string): string => JSON.stringify(s);

/** The probe fixture's manifest, with a payload in every text field a page shows. */
export function payloadManifest(): string {
  const short = (s: string, n: number) => s.slice(0, n);
  return [
    'version: "1.0"',
    'entrypoint: /usr/local/bin/probe',
    `title: ${y(short(PAYLOADS[1], 120))}`,
    `description: ${y(PAYLOADS.join('\n\n'))}`,
    `contact: ${y(PAYLOADS[2])}`,
    `os: ${y(short(PAYLOADS[8], 60))}`,
    'memory: 64',
    'tags: [test]',
    'presets:',
    ...PAYLOADS.slice(0, 8).map((s) => `  - {name: ${y(short(s, 60))}, params: ${y(`args ${quoteForParams(s)}`)}}`),
    '',
  ].join('\n');
}
