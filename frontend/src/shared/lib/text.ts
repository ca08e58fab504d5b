/** Length in Unicode code points (what the server counts, websocket.md §2.2 step 5). */
export function codePointLength(s: string): number {
  return Array.from(s).length;
}

/** Unicode whitespace trim, as the server does before checking length. */
export function trimMessage(s: string): string {
  return s.replace(/^[\s\u0085\u180e]+|[\s\u0085\u180e]+$/gu, '');
}
