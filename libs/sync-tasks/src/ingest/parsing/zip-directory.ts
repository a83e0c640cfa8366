import type { FileHandle } from 'node:fs/promises';
import { UnreadableFileError } from './unreadable-file.error';

/** A zip entry's local record (header, data, data descriptor) as a byte range of the file. */
export interface ZipEntry {
  name: string;
  start: number;
  end: number;
}

export interface ZipDirectory {
  /** In file order. */
  entries: ZipEntry[];
  /** The central directory and end record: [directoryStart, size). */
  directoryStart: number;
  size: number;
}

const END_RECORD = Buffer.from('PK\x05\x06', 'latin1');
const END_RECORD_BYTES = 22;
const MAX_COMMENT_BYTES = 0xffff;
const ENTRY_SIGNATURE = 0x02014b50;
const ENTRY_HEADER_BYTES = 46;
const MAX_DIRECTORY_BYTES = 16 * 1024 * 1024;
const ZIP64_MARK = 0xffffffff;

/**
 * Reads a zip's central directory, which sits at the end of the file: a truncated or garbled archive fails
 * here at once instead of part-way through streaming. Undefined for ZIP64 archives, not read here.
 */
export async function readZipDirectory(handle: FileHandle): Promise<ZipDirectory | undefined> {
  const { size } = await handle.stat();
  if (size === 0) throw new UnreadableFileError('the file is empty');
  const tail = await readAt(handle, Math.max(0, size - END_RECORD_BYTES - MAX_COMMENT_BYTES), size);
  const end = tail.lastIndexOf(END_RECORD);
  if (end === -1 || end + END_RECORD_BYTES > tail.length) throw corrupt('no end of central directory');
  const directoryLength = tail.readUInt32LE(end + 12);
  const directoryStart = tail.readUInt32LE(end + 16);
  if (directoryStart === ZIP64_MARK || directoryLength === ZIP64_MARK) return undefined;
  if (directoryStart + directoryLength > size - tail.length + end) throw corrupt('central directory out of bounds');
  if (directoryLength > MAX_DIRECTORY_BYTES) throw corrupt('central directory too large');
  const directory = await readAt(handle, directoryStart, directoryStart + directoryLength);
  return { entries: withEnds(parseDirectory(directory), directoryStart), directoryStart, size };
}

export async function readAt(handle: FileHandle, start: number, end: number): Promise<Buffer> {
  const buffer = Buffer.alloc(end - start);
  const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
  return buffer.subarray(0, bytesRead);
}

function parseDirectory(directory: Buffer): { name: string; start: number }[] {
  const entries: { name: string; start: number }[] = [];
  for (let at = 0; at < directory.length;) {
    if (at + ENTRY_HEADER_BYTES > directory.length || directory.readUInt32LE(at) !== ENTRY_SIGNATURE) {
      throw corrupt('bad central directory entry');
    }
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    const nameStart = at + ENTRY_HEADER_BYTES;
    entries.push({
      name: directory.toString('utf8', nameStart, nameStart + nameLength),
      start: directory.readUInt32LE(at + 42),
    });
    at = nameStart + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Each record runs up to the next one (or the directory): that covers data descriptors too. */
function withEnds(entries: { name: string; start: number }[], directoryStart: number): ZipEntry[] {
  const sorted = [...entries].sort((a, b) => a.start - b.start);
  return sorted.map((entry, i) => {
    const end = sorted[i + 1]?.start ?? directoryStart;
    if (entry.start >= end) throw corrupt(`entry ${entry.name} out of bounds`);
    return { ...entry, end };
  });
}

function corrupt(detail: string): UnreadableFileError {
  return new UnreadableFileError(`corrupt or truncated xlsx (zip): ${detail}`);
}
