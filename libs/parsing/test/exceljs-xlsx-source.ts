/**
 * The XLSX read path as it was before our own reader (ExcelJS's streaming WorkbookReader fed the first
 * sheet's zip entries), kept as the reference the differential tests compare the new reader with.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { PassThrough, Readable } from 'node:stream';
import * as ExcelJS from 'exceljs';
import type { CellValue, Row } from 'exceljs';
import type { SheetRow } from '../src/row-source.types';
import { UnreadableFileError } from '../src/unreadable-file.error';
import { numberText, dateText } from '../src/xlsx-cell';
import { ZipDirectory, ZipEntry, readAt, readZipDirectory } from '../src/zip-directory';

const READER_OPTIONS = {
  sharedStrings: 'cache',
  styles: 'cache', // needed to tell date cells from numbers
  worksheets: 'emit',
  hyperlinks: 'ignore',
  entries: 'emit',
} as const;

/** Every row of the first sheet (lowest sheet number), as the ExcelJS path turned them into SheetRows. */
export async function exceljsSheetRows(path: string): Promise<SheetRow[]> {
  const zip = await zipInput(path);
  const input = new ZipInput();
  const failure = new Failure();
  zip.on('error', (error: Error) => failure.fail(error));
  input.onPipe = (unzip) => unzip.on('error', (error: Error) => failure.fail(error));
  zip.pipe(input);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, READER_OPTIONS);
  const sheets = reader[Symbol.asyncIterator]();
  let rows: AsyncGenerator<Row> | undefined;
  const all: SheetRow[] = [];
  try {
    const sheet = await failure.race(sheets.next());
    if (sheet.done) throw new UnreadableFileError('the workbook has no sheet');
    rows = sheet.value[Symbol.asyncIterator]();
    for (;;) {
      const next = await failure.race(rows.next());
      if (next.done) break;
      const values = rowTexts(next.value);
      if (values) all.push({ rowNumber: next.value.number, values });
    }
    return all;
  } catch (error) {
    if (error instanceof UnreadableFileError) throw error;
    throw new UnreadableFileError(`unreadable xlsx: ${(error as Error).message}`, { cause: error });
  } finally {
    void rows?.return(undefined).catch(() => undefined);
    void sheets.return(undefined).catch(() => undefined);
    input.destroy();
    zip.destroy();
  }
}

/** Cell text as the sheet shows it, for any value ExcelJS reads. */
export function cellText(value: CellValue): string {
  if (value === null || value === undefined) return '';
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return numberText(value);
    case 'boolean':
      return value ? 'true' : 'false';
  }
  if (value instanceof Date) return dateText(value);
  if ('richText' in value) return value.richText.map((run) => run.text ?? '').join('');
  if ('formula' in value || 'sharedFormula' in value) return cellText(value.result);
  if ('error' in value) return value.error;
  if ('text' in value) return cellText(value.text);
  return '';
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

/** The first sheet and what it needs, read through the zip's directory. */
async function zipInput(path: string): Promise<Readable> {
  const handle = await open(path, 'r');
  try {
    return firstSheetZipStream(handle, await readZipDirectory(handle));
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** A PassThrough that reports the stream ExcelJS pipes it into. */
class ZipInput extends PassThrough {
  onPipe?: (destination: NodeJS.WritableStream) => void;

  override pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T {
    this.onPipe?.(destination);
    return super.pipe(destination, options);
  }
}

/** The first error of the streams around ExcelJS; `race` makes the pending read reject with it. */
class Failure {
  private error?: Error;
  private rejectPending?: (error: Error) => void;

  fail(error: Error): void {
    if (this.error) return;
    this.error = error;
    this.rejectPending?.(error);
  }

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

// ---------------------------------------------------------------- the zip re-ordered for ExcelJS

const WORKSHEET = /^xl\/worksheets\/sheet(\d+)\.xml$/;
/** What ExcelJS must have read before a sheet to stream it rather than copy it to a temp file first. */
const PREREQUISITES = ['xl/_rels/workbook.xml.rels', 'xl/workbook.xml', 'xl/styles.xml', 'xl/sharedStrings.xml'];
/** Stand-ins for optional parts ExcelJS waits for (a workbook with inline strings has no shared strings). */
const PLACEHOLDERS = new Map([
  ['xl/_rels/workbook.xml.rels', '<Relationships/>'],
  ['xl/sharedStrings.xml', '<sst/>'],
]);
const READ_BYTES = 64 * 1024;

type Part = Pick<ZipEntry, 'start' | 'end'> | Buffer;

/** Prerequisites, then the first sheet (lowest sheet number), then the central directory. Owns `handle`. */
function firstSheetZipStream(handle: FileHandle, directory: ZipDirectory): Readable {
  const byName = new Map(directory.entries.map((entry) => [entry.name, entry]));
  if (!byName.has('xl/workbook.xml')) throw new UnreadableFileError('not an Excel workbook: no xl/workbook.xml');
  const sheet = firstSheet(directory.entries);
  if (!sheet) throw new UnreadableFileError('the workbook has no sheet');
  const parts: Part[] = [];
  for (const name of PREREQUISITES) {
    const entry = byName.get(name);
    const placeholder = PLACEHOLDERS.get(name);
    if (entry) parts.push(entry);
    else if (placeholder) parts.push(storedEntry(name, placeholder));
  }
  parts.push(sheet, { start: directory.directoryStart, end: directory.size });
  return Readable.from(partBytes(handle, parts), { objectMode: false });
}

function firstSheet(entries: ZipEntry[]): ZipEntry | undefined {
  let first: { entry: ZipEntry; number: number } | undefined;
  for (const entry of entries) {
    const number = Number(WORKSHEET.exec(entry.name)?.[1] ?? NaN);
    if (number >= 0 && (!first || number < first.number)) first = { entry, number };
  }
  return first?.entry;
}

async function* partBytes(handle: FileHandle, parts: Part[]): AsyncGenerator<Buffer> {
  try {
    for (const part of parts) {
      if (Buffer.isBuffer(part)) {
        yield part;
        continue;
      }
      for (let at = part.start; at < part.end; at += READ_BYTES) {
        const chunk = await readAt(handle, at, Math.min(at + READ_BYTES, part.end));
        if (!chunk.length) throw new UnreadableFileError('the xlsx file ended early');
        yield chunk;
      }
    }
  } finally {
    await handle.close();
  }
}

/** A stored (uncompressed) local record; the streaming unzip checks neither CRC nor directory. */
function storedEntry(name: string, content: string): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  const data = Buffer.from(content, 'utf8');
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4); // version needed: 2.0
  header.writeUInt32LE(data.length, 18); // compressed size
  header.writeUInt32LE(data.length, 22); // uncompressed size
  header.writeUInt16LE(nameBytes.length, 26);
  return Buffer.concat([header, nameBytes, data]);
}
