import { UnreadableFileError } from './unreadable-file.error';

/**
 * Hard bounds on what one file may cost to read. Each is far above what a real export needs and stops a file
 * crafted to be expensive (a zip bomb, millions of shared strings, a row that never ends) with a permanent
 * error that names the limit, so an operator can raise it knowingly (libs/config: PARSE_*).
 */
export interface ReadLimits {
  /** Inflated bytes of one zip part per compressed byte (checked once a part passes 1 MiB inflated). */
  maxInflateRatio: number;
  /** Inflated bytes of all the workbook's parts read together. */
  maxInflatedBytes: number;
  /** `<si>` items in the shared-strings part. */
  maxSharedStrings: number;
  /** Characters of all shared strings together (they are held in memory for the whole read). */
  maxSharedStringChars: number;
  /** Cells of one row (XLSX `<c>` elements; CSV fields). */
  maxCellsPerRow: number;
  /** Highest column a cell may sit in (XLSX: 16,384 is column XFD, Excel's own limit). */
  maxColumns: number;
  /** Characters of one row as written in the file (XLSX: the row's XML; CSV: one record). */
  maxRowChars: number;
  /** Rows (CSV: records) of the file or sheet. */
  maxRows: number;
}

export const DEFAULT_READ_LIMITS: Readonly<ReadLimits> = Object.freeze({
  maxInflateRatio: 200,
  maxInflatedBytes: 2 * 1024 ** 3,
  maxSharedStrings: 2_000_000,
  maxSharedStringChars: 100_000_000,
  maxCellsPerRow: 16_384,
  maxColumns: 16_384,
  maxRowChars: 2 * 1024 * 1024,
  maxRows: 5_000_000,
});

/** Below this much inflated data a part's ratio is not judged: tiny parts compress absurdly well. */
export const RATIO_FLOOR_BYTES = 1024 * 1024;

export function readLimits(overrides?: Partial<ReadLimits>): ReadLimits {
  return { ...DEFAULT_READ_LIMITS, ...overrides };
}

/** The permanent error of a file past a limit, naming the limit and its value. */
export function overLimit(limit: keyof ReadLimits, value: number, what: string): UnreadableFileError {
  return new UnreadableFileError(`${what}: over the ${limit} limit of ${value.toLocaleString('en-US')}`);
}
