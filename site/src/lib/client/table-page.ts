// What the signed-in users' list pages (My jobs, My sessions) share: the sign-in prompt for a
// visitor without a token, and a table row made of cells.

/** Shows "To see your WHAT, sign in." in `p`, the link coming back to `next`. */
export function showSignInPrompt(p: HTMLElement, what: string, next: string): void {
  p.hidden = false;
  p.replaceChildren(`To see your ${what}, `, Object.assign(document.createElement('a'), { href: `/signin/?next=${next}`, textContent: 'sign in' }), '.');
}

/** A row with one cell per entry, each cell its text and nodes. */
export function tableRow(cells: (string | Node)[][]): HTMLTableRowElement {
  const tr = document.createElement('tr');
  for (const content of cells) {
    const td = document.createElement('td');
    td.append(...content);
    tr.append(td);
  }
  return tr;
}
