import { openCsvSource } from './csv-source';
import type { FileFormat, RowSource } from './row-source.types';
import { openXlsxSource } from './xlsx-source';

export type { FileFormat, RowSource, SheetRow } from './row-source.types';
export { sniffFormat } from './sniff-format';
export { UnreadableFileError } from './unreadable-file.error';

/**
 * Streams the rows of a CSV or XLSX file (first sheet) after its header row. Content that can never be read
 * rejects with UnreadableFileError; file-system errors (ENOENT, EACCES) are passed through unchanged.
 */
export function openRowSource(path: string, format: FileFormat, options: { headerRow: number }): Promise<RowSource> {
  return format === 'xlsx' ? openXlsxSource(path, options.headerRow) : openCsvSource(path, options.headerRow);
}
