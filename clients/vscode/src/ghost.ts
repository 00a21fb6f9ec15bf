// Ghost text helpers. Pure: no vscode import.

/** The text shown after the last character: first `max` characters of the child, newlines as ↵. */
export function ghostLabel(childText: string, max = 160): string {
  if (!childText) return '';
  const flat = childText.replace(/\r?\n/g, ' ↵ ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * True when an inlay hint from the server is its ghost text of the selected child
 * (the client draws that itself): it sits at the end of the buffer and its label
 * is the start of the child's text.
 */
export function isServerGhostHint(label: string, atEnd: boolean, childText: string | undefined): boolean {
  if (!atEnd || !childText) return false;
  const a = label.replace(/\s+/g, ' ').trim().replace(/…$/, '');
  const b = childText.replace(/\s+/g, ' ').trim();
  if (a.length < 2) return false;
  const n = Math.min(12, a.length, b.length);
  return n > 0 && a.slice(0, n) === b.slice(0, n);
}
