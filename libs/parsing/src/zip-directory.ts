import type { FileHandle } from 'node:fs/promises';
import { UnreadableFileError } from './unreadable-file.error';

/** A zip entry as the central directory describes it. */
export interface ZipEntry {
  name: string;
  /** The local record (header, data, data descriptor) as a byte range of the file. */
  start: number;
  end: number;
  /** 0 stored, 8 deflated. */
  method: number;
  /** CRC-32 of the uncompressed data. */
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
}

export interface ZipDirectory {
  /** In file order. */
  entries: ZipEntry[];
  /** The central directory and end records: [directoryStart, size). */
  directoryStart: number;
  size: number;
}

const END_RECORD = Buffer.from('PK\x05\x06', 'latin1');
const END_RECORD_BYTES = 22;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_LOCATOR_BYTES = 20;
const ZIP64_END_SIGNATURE = 0x06064b50;
const ZIP64_END_BYTES = 56;
const ZIP64_EXTRA = 0x0001;
const MAX_COMMENT_BYTES = 0xffff;
const ENTRY_SIGNATURE = 0x02014b50;
const ENTRY_HEADER_BYTES = 46;
const LOCAL_SIGNATURE = 0x04034b50;
const LOCAL_HEADER_BYTES = 30;
const MAX_DIRECTORY_BYTES = 16 * 1024 * 1024;
const MARK_16 = 0xffff;
const MARK_32 = 0xffffffff;

/**
 * Reads a zip's central directory, which sits at the end of the file: a truncated or garbled archive fails
 * here at once instead of part-way through streaming. ZIP64 archives are read too.
 */
export async function readZipDirectory(handle: FileHandle): Promise<ZipDirectory> {
  const { size } = await handle.stat();
  if (size === 0) throw new UnreadableFileError('the file is empty');
  const tailStart = Math.max(0, size - END_RECORD_BYTES - MAX_COMMENT_BYTES);
  const tail = await readAt(handle, tailStart, size);
  const end = tail.lastIndexOf(END_RECORD);
  if (end === -1 || end + END_RECORD_BYTES > tail.length) throw corrupt('no end of central directory');
  let directoryLength = tail.readUInt32LE(end + 12);
  let directoryStart = tail.readUInt32LE(end + 16);
  let directoryEnd = tailStart + end;
  if (directoryStart === MARK_32 || directoryLength === MARK_32 || tail.readUInt16LE(end + 10) === MARK_16) {
    const zip64 = await readZip64End(handle, tailStart + end);
    if (zip64) ({ directoryStart, directoryLength, directoryEnd } = zip64);
  }
  if (directoryStart + directoryLength > directoryEnd) throw corrupt('central directory out of bounds');
  if (directoryLength > MAX_DIRECTORY_BYTES) throw corrupt('central directory too large');
  const directory = await readAt(handle, directoryStart, directoryStart + directoryLength);
  return { entries: withEnds(parseDirectory(directory), directoryStart), directoryStart, size };
}

/** The entry's data (compressed as stored) as a byte range of the file, after its local header. */
export async function entryData(handle: FileHandle, entry: ZipEntry): Promise<{ start: number; end: number }> {
  const header = await readAt(handle, entry.start, entry.start + LOCAL_HEADER_BYTES);
  if (header.length < LOCAL_HEADER_BYTES || header.readUInt32LE(0) !== LOCAL_SIGNATURE) {
    throw corrupt(`bad local header for ${entry.name}`);
  }
  const start = entry.start + LOCAL_HEADER_BYTES + header.readUInt16LE(26) + header.readUInt16LE(28);
  const end = start + entry.compressedSize;
  if (end > entry.end) throw corrupt(`entry ${entry.name} out of bounds`);
  return { start, end };
}

export async function readAt(handle: FileHandle, start: number, end: number): Promise<Buffer> {
  const buffer = Buffer.alloc(end - start);
  const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
  return buffer.subarray(0, bytesRead);
}

/** The ZIP64 end record through its locator, which sits right before the classic end record. */
async function readZip64End(
  handle: FileHandle,
  endRecordAt: number,
): Promise<{ directoryStart: number; directoryLength: number; directoryEnd: number } | undefined> {
  if (endRecordAt < ZIP64_LOCATOR_BYTES) return undefined;
  const locator = await readAt(handle, endRecordAt - ZIP64_LOCATOR_BYTES, endRecordAt);
  if (locator.readUInt32LE(0) !== ZIP64_LOCATOR_SIGNATURE) return undefined;
  const recordAt = uint64(locator, 8);
  const record = await readAt(handle, recordAt, recordAt + ZIP64_END_BYTES);
  if (record.length < ZIP64_END_BYTES || record.readUInt32LE(0) !== ZIP64_END_SIGNATURE) {
    throw corrupt('bad ZIP64 end of central directory');
  }
  return { directoryLength: uint64(record, 40), directoryStart: uint64(record, 48), directoryEnd: recordAt };
}

function parseDirectory(directory: Buffer): Omit<ZipEntry, 'end'>[] {
  const entries: Omit<ZipEntry, 'end'>[] = [];
  for (let at = 0; at < directory.length;) {
    if (at + ENTRY_HEADER_BYTES > directory.length || directory.readUInt32LE(at) !== ENTRY_SIGNATURE) {
      throw corrupt('bad central directory entry');
    }
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    const nameStart = at + ENTRY_HEADER_BYTES;
    const next = nameStart + nameLength + extraLength + commentLength;
    if (next > directory.length) throw corrupt('bad central directory entry');
    const entry = {
      name: directory.toString('utf8', nameStart, nameStart + nameLength),
      method: directory.readUInt16LE(at + 10),
      crc: directory.readUInt32LE(at + 16),
      compressedSize: directory.readUInt32LE(at + 20),
      uncompressedSize: directory.readUInt32LE(at + 24),
      start: directory.readUInt32LE(at + 42),
    };
    const extraStart = nameStart + nameLength;
    entries.push(withZip64Extra(entry, directory.subarray(extraStart, extraStart + extraLength)));
    at = next;
  }
  return entries;
}

/** Sizes and offset too large for 32 bits are in the ZIP64 extra field, in this order, when marked so. */
function withZip64Extra<T extends Omit<ZipEntry, 'end'>>(entry: T, extra: Buffer): T {
  if (entry.uncompressedSize !== MARK_32 && entry.compressedSize !== MARK_32 && entry.start !== MARK_32) return entry;
  for (let at = 0; at + 4 <= extra.length;) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (id === ZIP64_EXTRA) {
      const field = extra.subarray(at + 4, at + 4 + length);
      let offset = 0;
      const next = (): number => {
        if (offset + 8 > field.length) throw corrupt(`bad ZIP64 field for ${entry.name}`);
        offset += 8;
        return uint64(field, offset - 8);
      };
      const result = { ...entry };
      if (entry.uncompressedSize === MARK_32) result.uncompressedSize = next();
      if (entry.compressedSize === MARK_32) result.compressedSize = next();
      if (entry.start === MARK_32) result.start = next();
      return result;
    }
    at += 4 + length;
  }
  throw corrupt(`no ZIP64 field for ${entry.name}`);
}

/** Each record runs up to the next one (or the directory): that covers data descriptors too. */
function withEnds(entries: Omit<ZipEntry, 'end'>[], directoryStart: number): ZipEntry[] {
  const sorted = [...entries].sort((a, b) => a.start - b.start);
  return sorted.map((entry, i) => {
    const end = sorted[i + 1]?.start ?? directoryStart;
    if (entry.start >= end) throw corrupt(`entry ${entry.name} out of bounds`);
    return { ...entry, end };
  });
}

function uint64(buffer: Buffer, at: number): number {
  const value = buffer.readBigUInt64LE(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt('ZIP64 value out of range');
  return Number(value);
}

export function corrupt(detail: string): UnreadableFileError {
  return new UnreadableFileError(`corrupt or truncated xlsx (zip): ${detail}`);
}
