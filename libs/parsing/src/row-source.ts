import { openCsvSource } from './csv-source';
import type { FileFormat, RowSource } from './row-source.types';
import { openXlsxSource } from './xlsx-source';
import { ReadLimits, readLimits } from './read-limits';
import type { TextEncoding } from './text-encoding';

export type { FileFormat, RowSource, SheetRow } from './row-source.types';
export { sniffFormat } from './sniff-format';
export { UnreadableFileError } from './unreadable-file.error';
export { DEFAULT_READ_LIMITS } from './read-limits';
export type { ReadLimits } from './read-limits';
export { TEXT_ENCODINGS } from './text-encoding';
export type { TextEncoding } from './text-encoding';

/**
 * Streams the rows of a CSV or XLSX file (first sheet) after its header row. Content that can never be read
 * rejects with UnreadableFileError; file-system errors (ENOENT, EACCES) are passed through unchanged.
 */
export function openRowSource(path: string, format: FileFormat, options: RowSourceOpenOptions): Promise<RowSource> {
  const limits = readLimits(options.limits);
  return format === 'xlsx'
    ? openXlsxSource(path, options.headerRow, limits)
    : openCsvSource(path, { headerRow: options.headerRow, limits, encoding: options.encoding });
}

export interface RowSourceOpenOptions {
  headerRow: number;
  /** Bounds on what the read may cost; unset ones keep DEFAULT_READ_LIMITS. */
  limits?: Partial<ReadLimits>;
  /** CSV: the encoding declared in the file's metadata, which overrides detection. */
  encoding?: TextEncoding;
}
