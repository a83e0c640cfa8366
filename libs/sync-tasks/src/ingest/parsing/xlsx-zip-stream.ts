import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { UnreadableFileError } from './unreadable-file.error';
import { ZipDirectory, ZipEntry, readAt } from './zip-directory';

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

/**
 * The workbook's zip re-ordered for ExcelJS's streaming reader: prerequisites, then the first sheet (lowest
 * sheet number), then the central directory; other entries are left out. ExcelJS otherwise copies any sheet
 * stored before the shared strings (as Excel and ExcelJS itself write them) to a temp file that it deletes
 * only when asked for the next sheet: one leaked copy per file read. The stream owns `handle`.
 */
export function firstSheetZipStream(handle: FileHandle, directory: ZipDirectory): Readable {
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
