import { open } from 'node:fs/promises';
import { PassThrough, Readable } from 'node:stream';
import * as ExcelJS from 'exceljs';
import type { CellValue, Row } from 'exceljs';
import { RowBatches, destroyStream, rowSourceOf } from './row-source.base';
import type { RowSource, SheetRow } from './row-source.types';
import { UnreadableFileError } from './unreadable-file.error';
import { cellText } from './xlsx-cell';
import { readZipDirectory } from './zip-directory';
import { firstSheetZipStream } from './xlsx-zip-stream';

const READER_OPTIONS = {
  sharedStrings: 'cache',
  styles: 'cache', // needed to tell date cells from numbers
  worksheets: 'emit',
  hyperlinks: 'ignore',
  entries: 'emit',
} as const;
const XLSX_BATCH_ROWS = 256;

export async function openXlsxSource(path: string, headerRow: number): Promise<RowSource> {
  const zip = await zipInput(path);
  const input = new ZipInput();
  const failure = new Failure();
  zip.on('error', (error: Error) => failure.fail(error));
  let bytes = 0;
  zip.on('data', (chunk: Buffer) => (bytes += chunk.length));
  // ExcelJS leaves the unzip stream's errors (corrupt deflate data, early end) unobserved: its pending reads
  // would never settle. Watching that stream turns them into a failure every read races against.
  input.onPipe = (unzip) => unzip.on('error', (error: Error) => failure.fail(error));
  zip.pipe(input);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, READER_OPTIONS);
  return rowSourceOf(firstSheetRows(reader, failure), {
    headerRow,
    padToHeaders: true,
    bytesRead: () => bytes,
    release: async () => {
      failure.fail(new UnreadableFileError('the source was closed'));
      input.destroy();
      await destroyStream(zip);
    },
  });
}

/** The first sheet and what it needs, read through the zip's directory; the whole file for ZIP64. */
async function zipInput(path: string): Promise<Readable> {
  const handle = await open(path, 'r');
  try {
    const directory = await readZipDirectory(handle);
    return directory ? firstSheetZipStream(handle, directory) : handle.createReadStream();
  } catch (error) {
    await handle.close();
    throw error;
  }
}

async function* firstSheetRows(reader: ExcelJS.stream.xlsx.WorkbookReader, failure: Failure): RowBatches {
  const sheets = reader[Symbol.asyncIterator]();
  let rows: AsyncGenerator<Row> | undefined;
  try {
    const sheet = await failure.race(sheets.next());
    if (sheet.done) throw new UnreadableFileError('the workbook has no sheet');
    rows = sheet.value[Symbol.asyncIterator]();
    let batch: SheetRow[] = [];
    for (;;) {
      const next = await failure.race(rows.next());
      if (next.done) break;
      const values = rowTexts(next.value);
      if (values) batch.push({ rowNumber: next.value.number, values });
      if (batch.length < XLSX_BATCH_ROWS) continue;
      yield batch;
      batch = [];
    }
    yield batch;
  } catch (error) {
    if (error instanceof UnreadableFileError) throw error;
    throw new UnreadableFileError(`unreadable xlsx: ${(error as Error).message}`, { cause: error });
  } finally {
    // Ends ExcelJS's own generators (and the temporary-file streams behind them) when stopped early.
    void rows?.return(undefined).catch(() => undefined);
    void sheets.return(undefined).catch(() => undefined);
  }
}

/** Trimmed texts by column position (ExcelJS `values` is 1-based and sparse); undefined for an empty row. */
function rowTexts(row: Row): string[] | undefined {
  const cells = row.values as CellValue[];
  const values: string[] = [];
  let content = false;
  for (let column = 1; column < cells.length; column++) {
    const text = cellText(cells[column]).trim();
    values.push(text);
    if (text.length) content = true;
  }
  return content ? values : undefined;
}

/** A PassThrough that reports the stream ExcelJS pipes it into. */
class ZipInput extends PassThrough {
  onPipe?: (destination: NodeJS.WritableStream) => void;

  override pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T {
    this.onPipe?.(destination);
    return super.pipe(destination, options);
  }
}

/**
 * The first error of the streams around ExcelJS; `race` makes the pending read reject with it. Not
 * Promise.race against one long-lived promise: every race would leave a reaction on it that keeps the
 * read's result (a whole ExcelJS row) alive until the end — 2.8 KB a row, measured.
 */
class Failure {
  private error?: Error;
  private rejectPending?: (error: Error) => void;

  fail(error: Error): void {
    if (this.error) return;
    this.error = error;
    this.rejectPending?.(error);
  }

  /** One read at a time, as the rows are read in sequence. */
  race<T>(read: Promise<T>): Promise<T> {
    if (this.error) return Promise.reject(this.error);
    return new Promise<T>((resolve, reject) => {
      this.rejectPending = reject;
      read.then(
        (value) => {
          this.rejectPending = undefined;
          resolve(value);
        },
        (error: Error) => {
          this.rejectPending = undefined;
          reject(error);
        },
      );
    });
  }
}
