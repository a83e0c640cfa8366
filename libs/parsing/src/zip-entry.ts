import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { RATIO_FLOOR_BYTES, ReadLimits, overLimit } from './read-limits';
import { UnreadableFileError } from './unreadable-file.error';
import { ZipEntry, corrupt, entryData, readAt } from './zip-directory';

const STORED = 0;
const DEFLATED = 8;
const READ_BYTES = 64 * 1024;
/**
 * Inflated chunk size: decoded to text, a chunk must stay under V8's 128 KiB regular-object limit even as
 * two-byte characters, or it lands in large-object space, kept alive by the cell strings sliced from it.
 */
const CHUNK_BYTES = 32 * 1024;
/** A part read whole (workbook, relationships, styles) bigger than this is not a spreadsheet's. */
const MAX_WHOLE_BYTES = 64 * 1024 * 1024;
const inflateRawAsync = promisify(zlib.inflateRaw);
/** zlib.crc32 came with Node 20.15; without it the check is skipped. */
const crc32 = typeof zlib.crc32 === 'function' ? zlib.crc32 : undefined;

export interface EntryReader {
  readonly handle: FileHandle;
  /** Counts the compressed bytes read. */
  onRead(bytes: number): void;
  /** True once the caller gave up: reading stops at the next chunk. */
  readonly closed: boolean;
  /** Bounds on the inflated data, counted over every entry this reader reads; none: unbounded. */
  readonly inflation?: InflationBudget;
}

/** Inflated bytes of one workbook: per part against its compressed size, and in total. */
export class InflationBudget {
  private total = 0;

  constructor(readonly limits: ReadLimits) {}

  /** The most a part may inflate to before a limit stops it (for a whole-part inflate). */
  capFor(entry: ZipEntry): number {
    const ratioCap = Math.max(RATIO_FLOOR_BYTES, this.limits.maxInflateRatio * entry.compressedSize);
    return Math.min(ratioCap, this.limits.maxInflatedBytes - this.total);
  }

  /** Counts `bytes` more of `entry`, whose data so far inflated to `partBytes` (these included). */
  add(entry: ZipEntry, bytes: number, partBytes: number): void {
    this.total += bytes;
    if (this.total > this.limits.maxInflatedBytes) {
      throw overLimit('maxInflatedBytes', this.limits.maxInflatedBytes, 'the workbook inflates to too much data');
    }
    if (partBytes > RATIO_FLOOR_BYTES && partBytes > this.limits.maxInflateRatio * entry.compressedSize) {
      throw overLimit('maxInflateRatio', this.limits.maxInflateRatio, `${entry.name} inflates too far (a zip bomb?)`);
    }
  }
}

/**
 * A small entry's data, inflated, in one buffer. `verify: false` skips the CRC check: for the package's
 * structure parts (relationships, workbook, styles), whose XML tells on its own whether it is whole.
 */
export async function readWholeEntry(reader: EntryReader, entry: ZipEntry, verify = true): Promise<Buffer> {
  const { start, end } = await entryData(reader.handle, entry);
  const raw = await readAt(reader.handle, start, end);
  if (raw.length < end - start) throw new UnreadableFileError('the xlsx file ended early');
  reader.onRead(raw.length);
  let data = raw;
  if (entry.method !== STORED) {
    checkMethod(entry);
    const cap = Math.min(MAX_WHOLE_BYTES, reader.inflation?.capFor(entry) ?? MAX_WHOLE_BYTES);
    try {
      data = await inflateRawAsync(raw, { maxOutputLength: Math.max(1, cap + 1) });
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_BUFFER_TOO_LARGE') throw inflateError(entry, error);
      // Past the cap: let the budget name the limit (else the part is past MAX_WHOLE_BYTES itself).
      reader.inflation?.add(entry, cap + 1, cap + 1);
      throw corrupt(`${entry.name}: more than ${MAX_WHOLE_BYTES} bytes inflated`);
    }
  }
  reader.inflation?.add(entry, data.length, data.length);
  if (verify) checkCrc(entry, crc32?.(data));
  return data;
}

/** An entry's data, inflated, in chunks of up to CHUNK_BYTES; memory stays flat whatever its size. */
export async function* entryChunks(reader: EntryReader, entry: ZipEntry): AsyncGenerator<Buffer> {
  let crc = crc32 ? 0 : undefined;
  let inflated = 0;
  for await (const chunk of dataChunks(reader, entry)) {
    inflated += chunk.length;
    reader.inflation?.add(entry, chunk.length, inflated);
    if (crc !== undefined) crc = crc32?.(chunk, crc);
    yield chunk;
  }
  checkCrc(entry, crc);
}

async function* dataChunks(reader: EntryReader, entry: ZipEntry): AsyncGenerator<Buffer> {
  const range = await entryData(reader.handle, entry);
  if (entry.method === STORED) {
    yield* rawChunks(reader, range.start, range.end, CHUNK_BYTES);
    return;
  }
  checkMethod(entry);
  const raw = Readable.from(rawChunks(reader, range.start, range.end, READ_BYTES), {
    objectMode: false,
    highWaterMark: READ_BYTES,
  });
  const inflate = zlib.createInflateRaw({ chunkSize: CHUNK_BYTES });
  raw.on('error', (error: Error) => inflate.destroy(error));
  raw.pipe(inflate);
  try {
    for await (const chunk of inflate) yield chunk as Buffer;
  } catch (error) {
    throw inflateError(entry, error);
  } finally {
    raw.destroy();
    inflate.destroy();
  }
}

async function* rawChunks(reader: EntryReader, start: number, end: number, bytes: number): AsyncGenerator<Buffer> {
  for (let at = start; at < end; at += bytes) {
    if (reader.closed) throw new UnreadableFileError('the source was closed');
    const chunk = await readAt(reader.handle, at, Math.min(at + bytes, end));
    if (!chunk.length) throw new UnreadableFileError('the xlsx file ended early');
    reader.onRead(chunk.length);
    yield chunk;
  }
}

function checkMethod(entry: ZipEntry): void {
  if (entry.method !== DEFLATED) {
    throw new UnreadableFileError(`unreadable xlsx: ${entry.name} uses zip compression method ${entry.method}`);
  }
}

/** Corrupt data can inflate without an error: the CRC of the zip's directory tells. */
function checkCrc(entry: ZipEntry, crc: number | undefined): void {
  if (crc !== undefined && crc !== entry.crc) throw corrupt(`${entry.name}: CRC mismatch`);
}

/** zlib's errors (bad data, early end, too large) mean a corrupt part; ours pass through. */
function inflateError(entry: ZipEntry, error: unknown): Error {
  if (error instanceof UnreadableFileError) return error;
  return Object.assign(corrupt(`${entry.name}: ${(error as Error).message}`), { cause: error });
}
