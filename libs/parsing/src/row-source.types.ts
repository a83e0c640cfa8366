import type { TextEncoding } from './text-encoding';

export type FileFormat = 'csv' | 'xlsx';

export interface SheetRow {
  /** 1-based physical row (CSV: record) number in the file or sheet. */
  rowNumber: number;
  /** Trimmed cell text; may hold more or fewer values than there are headers. */
  values: string[];
}

export interface RowSource {
  headers: string[];
  /** CSV: the text encoding read (declared or detected); XLSX: undefined. */
  encoding?: TextEncoding;
  /** Blank rows before the first row with content, skipped: the header row is counted from that row. */
  leadingBlankRows: number;
  /** Rows after the header row, completely empty rows skipped. Iterate once. */
  rows: AsyncIterable<SheetRow>;
  /** Bytes of the file consumed so far (for progress: divide by the file size). */
  bytesRead(): number;
  /** Releases the file; safe to call more than once, and implied by finishing or breaking out of `rows`. */
  close(): Promise<void>;
}
