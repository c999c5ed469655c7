// Where the catalog page's cards go when the renderer puts the page together from cards it
// keeps (see catalog-page.mjs): the page is rendered once without its cards, this mark in
// their place, and each card is rendered alone, after a mark naming its app.
export const CARDS_SLOT = '<!--allgo:cards-->';

/** The mark before the card of app `name` in the renderer's cards route. */
export const cardMark = (name) => `<!--allgo:card ${name}-->`;

/** The mark after the last card. */
export const CARDS_END = '<!--allgo:cards-end-->';
