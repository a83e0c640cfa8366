import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileFormat, sniffFormat } from '@app/parsing';

const SNIFF_BYTES = 8_192;

export interface StoredFile {
  path: string;
  sha256: string;
  sizeBytes: number;
  format: FileFormat | undefined;
}

/** Streams bytes to disk while hashing them; nothing is held in memory but the first 8 KiB. */
export async function storeStream(source: NodeJS.ReadableStream, dir: string): Promise<StoredFile> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `.upload-${randomUUID()}`);
  const hash = createHash('sha256');
  let size = 0;
  let head = Buffer.alloc(0);
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      if (head.length < SNIFF_BYTES) head = Buffer.concat([head, chunk.subarray(0, SNIFF_BYTES - head.length)]);
      done(null, chunk);
    },
  });
  try {
    await pipeline(source, tap, createWriteStream(path));
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
  return { path, sha256: hash.digest('hex'), sizeBytes: size, format: size ? sniffFormat(head) : undefined };
}

/** Hash and sniff a file already on disk (scan). */
export async function describeFile(path: string): Promise<StoredFile> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(Math.min(SNIFF_BYTES, size));
    await handle.read(head, 0, head.length, 0);
    return { path, sha256: hash.digest('hex'), sizeBytes: size, format: size ? sniffFormat(head) : undefined };
  } finally {
    await handle.close();
  }
}

/** Final home of an uploaded file: content-addressed, so the same bytes never land twice. */
export async function moveIntoStore(stored: StoredFile, dir: string, format: FileFormat): Promise<string> {
  const target = join(dir, stored.sha256.slice(0, 2));
  await mkdir(target, { recursive: true });
  const path = join(target, `${stored.sha256}.${format}`);
  await rename(stored.path, path);
  return path;
}

export const discard = (stored: StoredFile): Promise<void> => rm(stored.path, { force: true });
