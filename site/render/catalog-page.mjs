// The catalog page from cards kept between builds. Rendering every card of a large catalog is
// most of a rebuild's cost (2 s for 10,000 apps), while one re-published app changes one card:
// each build keeps its cards (name → HTML) in a file of its own, and the next renders only the
// changed apps' cards and the page around them, then puts them in, in the catalog's order.
import { readFile, writeFile } from 'node:fs/promises';
import { CARDS_END, CARDS_SLOT, cardMark } from './cards-slot.mjs';

/**
 * `job`: { order: app names as the catalog lists them, changed: names to render (null: all),
 *          from: the last build's cards file or null, cards: where to write this build's }.
 * Returns this build's cards (name → HTML), in `order`.
 */
export async function buildCards(render, job) {
  const kept = job.from ? JSON.parse(await readFile(job.from, 'utf8')) : {};
  // A card missing from the kept ones (a file from before an app came) is rendered too.
  const wanted = job.changed === null ? null : [...new Set([...job.changed, ...job.order.filter((n) => !(n in kept))])];
  const fresh = wanted !== null && wanted.length === 0 ? new Map() : splitCards(await renderOrThrow(render, wanted === null ? '/rerender/cards' : `/rerender/cards?names=${wanted.map(encodeURIComponent).join(',')}`));
  const cards = {};
  for (const name of job.order) {
    const html = fresh.get(name) ?? kept[name];
    if (html === undefined) throw new Error(`the renderer has no card for the app ${name}`);
    cards[name] = html;
  }
  await writeFile(job.cards, JSON.stringify(cards));
  return cards;
}

/** The catalog page: the page rendered with a slot, the cards in it. */
export async function catalogPage(render, cards) {
  const shell = await renderOrThrow(render, '/rerender/?cards=slot');
  const at = shell.indexOf(CARDS_SLOT);
  if (at < 0 || shell.indexOf(CARDS_SLOT, at + 1) >= 0) throw new Error('the catalog page has no single place for its cards');
  return shell.slice(0, at) + Object.values(cards).join('') + shell.slice(at + CARDS_SLOT.length);
}

async function renderOrThrow(render, route) {
  const html = await render(route);
  if (html === null) throw new Error(`the renderer found no page at ${route}`);
  return html;
}

/** The cards route's answer, by app: each card runs from its mark to the next mark. */
function splitCards(html) {
  const cards = new Map();
  const end = html.lastIndexOf(CARDS_END);
  if (end < 0) throw new Error('the cards came without their end mark');
  const open = '<!--allgo:card ';
  for (let at = html.indexOf(open); at >= 0 && at < end; ) {
    const close = html.indexOf('-->', at);
    const name = html.slice(at + open.length, close);
    const next = html.indexOf(open, close);
    const stop = next >= 0 && next < end ? next : end;
    if (cardMark(name) !== html.slice(at, close + 3)) throw new Error(`a card mark is malformed: ${html.slice(at, close + 3)}`);
    cards.set(name, html.slice(close + 3, stop));
    at = next >= 0 && next < end ? next : -1;
  }
  return cards;
}
