// Providers' READMEs become HTML here, at build time. markdown-it runs with raw HTML off, so
// a README's <script>, <iframe> or on* attribute is shown as text, never run; links are
// limited to safe schemes (markdown-it refuses javascript:, vbscript:, file: and most data:).
import MarkdownIt from 'markdown-it';

const md = new MarkdownIt({ html: false, linkify: true, typographer: false });

// Providers' links leave the site without passing it any authority or referrer.
const defaultLink = md.renderer.rules.link_open ?? ((tokens, i, options, _env, self) => self.renderToken(tokens, i, options));
md.renderer.rules.link_open = (tokens, i, options, env, self) => {
  tokens[i].attrSet('rel', 'nofollow noopener noreferrer');
  return defaultLink(tokens, i, options, env, self);
};
// Images load from wherever the provider put them; keep them lazy and unable to grow the layout.
const defaultImage = md.renderer.rules.image!;
md.renderer.rules.image = (tokens, i, options, env, self) => {
  tokens[i].attrSet('loading', 'lazy');
  return defaultImage(tokens, i, options, env, self);
};

export function renderMarkdown(source: string): string {
  return md.render(source);
}

/** The first paragraph as plain text, cut at `max` characters: the catalog's short description. */
export function summarize(source: string, max = 180): string {
  const tokens = md.parse(source, {});
  let text = '';
  for (let i = 0; i < tokens.length && !text; i++) {
    if (tokens[i].type !== 'paragraph_open') continue;
    const inline = tokens[i + 1];
    text = (inline.children ?? [])
      .map((c) => (c.type === 'text' || c.type === 'code_inline' ? c.content : c.type === 'softbreak' || c.type === 'hardbreak' ? ' ' : ''))
      .join('')
      .replace(/\s+/g, ' ')
      .trim();
  }
  return cutSummary(text, max);
}

/**
 * `text` cut to at most `max` characters: at the last sentence end when one falls in the second
 * half, else at the last word boundary, never mid-word ("…" marks a cut).
 */
export function cutSummary(text: string, max = 180): string {
  if (text.length <= max) return text;
  const head = text.slice(0, max + 1);
  let sentence = -1;
  for (const m of head.matchAll(/[.!?](?=\s)/g)) if (m.index! < max) sentence = m.index!;
  if (sentence >= max / 2) return text.slice(0, sentence + 1);
  const space = head.lastIndexOf(' ');
  const cut = space > 0 ? text.slice(0, space) : text.slice(0, max);
  return `${cut.replace(/[\s,;:–—-]+$/, '')}…`;
}
