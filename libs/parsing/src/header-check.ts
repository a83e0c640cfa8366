import { normalizeValue } from './row-hash';

export interface HeaderMismatch {
  added: string[];
  removed: string[];
}

/**
 * Null when the file has the template's columns, in any order (names compared trimmed and NFC).
 * A name repeated in the file more often than in the template counts as added.
 */
export function compareHeaders(fileHeaders: string[], templateColumns: string[]): HeaderMismatch | null {
  const expected = new Map<string, number>();
  for (const name of templateColumns.map(normalizeValue)) expected.set(name, (expected.get(name) ?? 0) + 1);
  const added: string[] = [];
  for (const name of fileHeaders.map(normalizeValue)) {
    const left = expected.get(name) ?? 0;
    if (left > 0) expected.set(name, left - 1);
    else added.push(name);
  }
  const removed: string[] = [];
  for (const name of templateColumns.map(normalizeValue)) {
    const left = expected.get(name) ?? 0;
    if (left > 0) {
      removed.push(name);
      expected.set(name, left - 1);
    }
  }
  return added.length || removed.length ? { added, removed } : null;
}

/** Position of each name among the file's headers (first occurrence), -1 when absent. */
export function columnIndex(fileHeaders: string[], names: string[]): number[] {
  const positions = new Map<string, number>();
  fileHeaders.forEach((header, i) => {
    const name = normalizeValue(header);
    if (!positions.has(name)) positions.set(name, i);
  });
  return names.map((name) => positions.get(normalizeValue(name)) ?? -1);
}
