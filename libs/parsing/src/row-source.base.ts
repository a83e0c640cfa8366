import type { Readable } from 'node:stream';
import type { RowSource, SheetRow } from './row-source.types';
import { unstorableCharacter } from './storable-text';
import type { TextEncoding } from './text-encoding';
import { UnreadableFileError } from './unreadable-file.error';

/** Rows come in batches: one promise per batch instead of one per row through every stage. */
export type RowBatches = AsyncGenerator<SheetRow[], void, undefined>;

export interface RowSourceOptions {
  headerRow: number;
  encoding?: TextEncoding;
  /** XLSX rows leave out empty trailing cells: pad them to the header width so they read like CSV rows. */
  padToHeaders: boolean;
  /** Bytes of the file consumed so far. */
  bytesRead: () => number;
  /** Releases the file; called once, when the rows end, fail or the source is closed. */
  release: () => Promise<void>;
}

/** Reads the header row from `batches` and hands out the rows after it, one by one. */
export async function rowSourceOf(batches: RowBatches, options: RowSourceOptions): Promise<RowSource> {
  let released: Promise<void> | undefined;
  const release = (): Promise<void> => (released ??= options.release());
  let header: { headers: string[]; rest: SheetRow[]; leadingBlankRows: number };
  try {
    header = await readHeader(batches, options.headerRow);
  } catch (error) {
    await Promise.all([release(), batches.return()]);
    throw error;
  }
  const { headers, rest, leadingBlankRows } = header;
  const fit = (row: SheetRow): SheetRow => fitRow(row, headers.length, options.padToHeaders);
  let started = false;
  async function* dataRows(): AsyncGenerator<SheetRow> {
    started = true;
    try {
      for (const row of rest) yield fit(row);
      for await (const batch of batches) for (const row of batch) yield fit(row);
    } finally {
      await release();
    }
  }
  const rows = dataRows();
  return {
    headers,
    encoding: options.encoding,
    leadingBlankRows,
    rows,
    bytesRead: options.bytesRead,
    async close() {
      // A generator never started has no finally to run; one that started ends on its own once released.
      if (!started) await batches.return();
      else void rows.return(undefined).catch(() => undefined);
      await release();
    },
  };
}

/** Destroys a stream and waits until its file descriptor is closed. */
export function destroyStream(stream: Readable): Promise<void> {
  if (stream.closed) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('close', () => resolve());
    stream.destroy();
  });
}

/** Trims cells in place; false when the row is completely empty. */
export function trimCells(values: string[]): boolean {
  let content = false;
  for (let i = 0; i < values.length; i++) {
    const value = values[i].trim();
    values[i] = value;
    if (value.length) content = true;
  }
  return content;
}

/**
 * The header row, counted from the first row with content: blank rows above it (exports that start with an
 * empty line) are skipped and reported as `leadingBlankRows`. Row numbers stay physical.
 */
async function readHeader(
  batches: RowBatches,
  headerRow: number,
): Promise<{ headers: string[]; rest: SheetRow[]; leadingBlankRows: number }> {
  if (!Number.isInteger(headerRow) || headerRow < 1) throw new RangeError(`headerRow must be ≥ 1, got ${headerRow}`);
  let leadingBlankRows = -1;
  for (;;) {
    const next = await batches.next();
    if (next.done) {
      throw new UnreadableFileError(
        leadingBlankRows >= 0 ? `header row ${headerRow} is beyond the last row` : 'the file has no rows',
      );
    }
    for (const [i, { rowNumber, values }] of next.value.entries()) {
      if (leadingBlankRows < 0) leadingBlankRows = rowNumber - 1;
      const wanted = headerRow + leadingBlankRows;
      if (rowNumber === wanted) {
        const headers = values.slice(0, contentLength(values));
        checkStorable(headers);
        return { headers, rest: next.value.slice(i + 1), leadingBlankRows };
      }
      if (rowNumber > wanted) throw new UnreadableFileError(`header row ${headerRow} is empty`);
    }
  }
}

/**
 * Headers name every row's members in the database, so one that PostgreSQL cannot store would fail every
 * row: the file is refused as a whole (a row holding such a character is quarantined instead).
 */
function checkStorable(headers: string[]): void {
  for (let i = 0; i < headers.length; i++) {
    const character = unstorableCharacter(headers[i]);
    if (character) {
      throw new UnreadableFileError(
        `the header of column ${i + 1} contains ${character}, which PostgreSQL cannot store`,
      );
    }
  }
}

/** Length without the empty cells at the end, which trailing delimiters leave behind. */
function contentLength(values: string[]): number {
  let end = values.length;
  while (end > 0 && values[end - 1] === '') end--;
  return end;
}

/** Drops empty cells beyond the header width (trailing delimiters); pads short XLSX rows. */
function fitRow(row: SheetRow, width: number, pad: boolean): SheetRow {
  const { values } = row;
  if (values.length > width) values.length = Math.max(width, contentLength(values));
  else if (pad) while (values.length < width) values.push('');
  return row;
}
