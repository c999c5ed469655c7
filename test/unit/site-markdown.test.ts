// A provider's README is rendered to HTML at build time: whatever it holds must come out
// inert (shown, never run), while ordinary markdown keeps its formatting.
import { describe, expect, it } from 'vitest';
import { renderMarkdown, summarize } from '../../site/src/lib/markdown.js';

describe('renderMarkdown', () => {
  it('keeps ordinary markdown', () => {
    const html = renderMarkdown('# Title\n\nSome **bold** and `code`, a [link](https://example.org/x).\n\n- one\n- two\n');
    expect(html).toContain('<h1>Title</h1>');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<code>code</code>');
    expect(html).toContain('<a href="https://example.org/x" rel="nofollow noopener noreferrer">link</a>');
    expect(html).toContain('<li>one</li>');
  });

  it.each([
    ['a script tag', '<script>alert(1)</script>'],
    ['an inline handler', '<img src=x onerror="alert(1)">'],
    ['an iframe', '<iframe src="https://evil.example"></iframe>'],
    ['an svg with script', '<svg><script>alert(1)</script></svg>'],
    ['a style tag', '<style>body{display:none}</style>'],
    ['a raw javascript: link', '<a href="javascript:alert(1)">x</a>'],
  ])('shows %s as text', (_what, source) => {
    const html = renderMarkdown(`before\n\n${source}\n\nafter`);
    expect(html).not.toMatch(/<(script|img|iframe|svg|style)\b/i);
    expect(html).not.toMatch(/<[^>]*\son\w+=/i);
    expect(html).not.toMatch(/href="javascript/i);
    expect(html).toContain('&lt;');
  });

  it.each([
    ['javascript:', '[x](javascript:alert(1))'],
    ['JavaScript: with odd case', '[x](JaVaScRiPt:alert(1))'],
    ['an entity-encoded javascript:', '[x](&#106;avascript:alert(1))'],
    ['vbscript:', '[x](vbscript:msgbox(1))'],
    ['data:text/html', '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)'],
    ['an image from javascript:', '![x](javascript:alert(1))'],
  ])('refuses a link to %s', (_what, source) => {
    const html = renderMarkdown(source);
    expect(html).not.toMatch(/href="[^"]*script:/i);
    expect(html).not.toMatch(/src="[^"]*script:/i);
    expect(html).not.toContain('href="data:text/html');
  });

  it('escapes attribute-breaking characters in URLs and titles', () => {
    const html = renderMarkdown('[x](https://example.org/"onmouseover="alert(1) "t\\"itle")');
    expect(html).not.toMatch(/"\s*onmouseover=/);
  });
});

describe('summarize', () => {
  it('takes the first paragraph as plain text', () => {
    expect(summarize('# Samusa\n\nDetects **music** and `speech`\nin audio.\n\nMore later.')).toBe('Detects music and speech in audio.');
  });

  it('cuts long text at a word', () => {
    const s = summarize(`${'word '.repeat(100)}`, 30);
    expect(s.length).toBeLessThanOrEqual(31);
    expect(s.endsWith('word…')).toBe(true);
  });

  it('is empty for a README without paragraphs', () => {
    expect(summarize('# Only a title')).toBe('');
  });
});
