import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { detectDialect } from './csv-dialect';
import { CsvTokenizer } from './csv-tokenizer';
import { RowBatches, destroyStream, rowSourceOf, trimCells } from './row-source.base';
import type { RowSource, SheetRow } from './row-source.types';
import { DEFAULT_READ_LIMITS, ReadLimits, overLimit } from './read-limits';
import {
  ChunkDecoder,
  TextEncoding,
  chunkDecoder,
  decodeHead,
  detectEncoding,
  hasBinaryBytes,
  utf16Bom,
} from './text-encoding';
import { UnreadableFileError } from './unreadable-file.error';

/** Enough to see the header line and a few rows, for the encoding and the delimiter. */
const HEAD_BYTES = 64 * 1024;
/**
 * Small on purpose: a decoded chunk (up to 2 bytes a character) must stay under V8's 128 KiB regular-object
 * limit. Bigger ones land in large-object space and, kept alive by the field strings sliced from them, cost
 * full GCs: 256 KiB reads measured 2.3x slower than 32–64 KiB ones.
 */
const CHUNK_BYTES = 32 * 1024;

export interface CsvOptions {
  headerRow: number;
  limits?: ReadLimits;
  /** Declared in the file's metadata: overrides detection. */
  encoding?: TextEncoding;
}

export async function openCsvSource(path: string, options: CsvOptions): Promise<RowSource> {
  const { headerRow, limits = DEFAULT_READ_LIMITS } = options;
  const handle = await open(path, 'r');
  try {
    const head = await readHead(handle);
    const encoding = options.encoding ?? headEncoding(head);
    const tokenizer = new CsvTokenizer(detectDialect(decodeHead(head, encoding), headerRow), limits.maxRowChars);
    const stream = handle.createReadStream({ start: 0, highWaterMark: CHUNK_BYTES });
    return await rowSourceOf(csvRows(stream, chunkDecoder(encoding), tokenizer, limits), {
      headerRow,
      encoding,
      padToHeaders: false,
      bytesRead: () => stream.bytesRead,
      release: () => destroyStream(stream),
    });
  } catch (error) {
    // Once a stream exists it owns the handle and has closed it; closing twice is harmless.
    await handle.close().catch(() => undefined);
    throw error;
  }
}

async function readHead(handle: FileHandle): Promise<Buffer> {
  const buffer = Buffer.alloc(HEAD_BYTES);
  const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
  return buffer.subarray(0, bytesRead);
}

function headEncoding(head: Buffer): TextEncoding {
  if (head.length === 0) throw new UnreadableFileError('the file is empty');
  if (!utf16Bom(head) && hasBinaryBytes(head))
    throw new UnreadableFileError('the file holds binary data, not CSV text');
  const encoding = detectEncoding(head);
  if (!encoding) throw new UnreadableFileError('the file is not UTF-8, UTF-16, GBK or Windows-1252 text');
  return encoding;
}

/**
 * Rows in batches, one per chunk read. Every record counts as a row, empty ones included, so row numbers
 * match what a spreadsheet shows (a record with line breaks inside quotes counts once).
 */
async function* csvRows(
  chunks: AsyncIterable<Buffer>,
  decoder: ChunkDecoder,
  tokenizer: CsvTokenizer,
  { maxRows, maxCellsPerRow }: ReadLimits,
): RowBatches {
  let rowNumber = 0;
  const numbered = (records: string[][]): SheetRow[] => {
    const rows: SheetRow[] = [];
    for (const values of records) {
      if (++rowNumber > maxRows) throw overLimit('maxRows', maxRows, 'too many rows');
      if (values.length > maxCellsPerRow) throw overLimit('maxCellsPerRow', maxCellsPerRow, `row ${rowNumber}`);
      if (trimCells(values)) rows.push({ rowNumber, values });
    }
    return rows;
  };
  for await (const chunk of chunks) yield numbered(tokenizer.push(decoder.write(chunk)));
  yield numbered(tokenizer.end(decoder.end()));
}
