import { decodePosition, encodePosition, type MemoryRow, type StoredRow } from '../projection/index.ts';

/** A row as stored: "position" once deleted, else "position memory-json" (positions hold no space). */
export function encodeStoredRow(row: StoredRow): string {
  const position = encodePosition(row.position);
  return row.memory === null ? position : `${position} ${JSON.stringify(row.memory)}`;
}

export function decodeStoredRow(text: string): StoredRow {
  const space = text.indexOf(' ');
  if (space < 0) return { position: decodePosition(text), memory: null };
  return {
    position: decodePosition(text.slice(0, space)),
    memory: JSON.parse(text.slice(space + 1)) as MemoryRow,
  };
}

/** Only the position of a stored row (what the snapshot sweep compares). */
export function storedPosition(text: string): StoredRow['position'] {
  const space = text.indexOf(' ');
  return decodePosition(space < 0 ? text : text.slice(0, space));
}
