import type { SheetRow } from './row-source.types';

/**
 * A batch of rows as one string and two typed arrays, to post from the reader thread: a structured clone of
 * arrays of strings costs ≈ 3.5 µs a row on each side, one string and two buffers almost nothing, and the
 * receiving side only slices. Lengths, not separators: a cell may hold any character (`_x0000_` decodes).
 */
export interface EncodedRows {
  /** Every cell's text, row after row. */
  text: string;
  /** Per row: its number (a crafted sheet may number rows past 2³², so not an integer array). */
  rowNumbers: Float64Array<ArrayBuffer>;
  /** Per row: its cell count, then each cell's length. */
  cells: Uint32Array<ArrayBuffer>;
}

export function encodeRows(rows: readonly SheetRow[]): EncodedRows {
  let length = 0;
  for (const row of rows) length += 1 + row.values.length;
  const rowNumbers = new Float64Array(rows.length);
  const cells = new Uint32Array(length);
  let text = '';
  let at = 0;
  for (let r = 0; r < rows.length; r++) {
    const { rowNumber, values } = rows[r];
    rowNumbers[r] = rowNumber;
    cells[at++] = values.length;
    for (let i = 0; i < values.length; i++) {
      cells[at++] = values[i].length;
      text += values[i];
    }
  }
  return { text, rowNumbers, cells };
}

export function decodeRows({ text, rowNumbers, cells }: EncodedRows): SheetRow[] {
  const rows: SheetRow[] = [];
  let at = 0;
  let offset = 0;
  for (let r = 0; r < rowNumbers.length; r++) {
    const count = cells[at++];
    const values: string[] = [];
    for (let i = 0; i < count; i++) {
      const end = offset + cells[at++];
      values.push(text.slice(offset, end));
      offset = end;
    }
    rows.push({ rowNumber: rowNumbers[r], values });
  }
  return rows;
}
