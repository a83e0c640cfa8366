import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZipPart, writeZip } from '../test/zip-writer';
import { readZipDirectory } from './zip-directory';
import { EntryReader, entryChunks, readWholeEntry } from './zip-entry';

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'zip-entry-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Big enough for many inflated chunks, with multi-byte characters. */
const BIG = Array.from({ length: 40_000 }, (_, i) => `<row r="${i}">行 ${i} 😀</row>`).join('');
const PARTS: ZipPart[] = [
  { name: 'small.xml', content: '<a>small</a>' },
  { name: 'big.xml', content: BIG },
  { name: 'stored.xml', content: BIG.slice(0, 100_000), method: 0 },
];

async function withZip<T>(
  parts: ZipPart[],
  options: { zip64?: boolean },
  use: (reader: Reader) => Promise<T>,
): Promise<T> {
  const path = join(dir, `${Math.random()}.zip`);
  writeZip(path, parts, options);
  const reader = new Reader(await open(path, 'r'));
  try {
    return await use(reader);
  } finally {
    await reader.handle.close();
  }
}

class Reader implements EntryReader {
  bytes = 0;
  closed = false;
  constructor(readonly handle: FileHandle) {}
  onRead(bytes: number): void {
    this.bytes += bytes;
  }
}

async function streamed(reader: Reader, name: string): Promise<string> {
  const entry = (await readZipDirectory(reader.handle)).entries.find((e) => e.name === name);
  const chunks: Buffer[] = [];
  for await (const chunk of entryChunks(reader, entry!)) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

describe(entryChunks.name, () => {
  it.each([
    ['a plain zip', {}],
    ['a ZIP64 zip', { zip64: true }],
  ])('inflates deflated and stored entries of %s, counting the compressed bytes', async (_, options) => {
    await withZip(PARTS, options, async (reader) => {
      const directory = await readZipDirectory(reader.handle);
      expect(directory.entries.map((e) => [e.name, e.method])).toEqual([
        ['small.xml', 8],
        ['big.xml', 8],
        ['stored.xml', 0],
      ]);
      expect((await readWholeEntry(reader, directory.entries[0])).toString()).toBe('<a>small</a>');
      const before = reader.bytes;
      expect(await streamed(reader, 'big.xml')).toBe(BIG);
      expect(reader.bytes - before).toBe(directory.entries[1].compressedSize);
      expect(await streamed(reader, 'stored.xml')).toBe(BIG.slice(0, 100_000));
    });
  });

  it('rejects data whose CRC does not match the directory', async () => {
    const path = join(dir, 'crc.zip');
    writeZip(path, [{ name: 'x.xml', content: 'abcdef', method: 0 }]);
    const bytes = readFileSync(path);
    bytes[bytes.indexOf('abcdef')] = 'X'.charCodeAt(0);
    writeFileSync(path, bytes);
    const reader = new Reader(await open(path, 'r'));
    try {
      const [entry] = (await readZipDirectory(reader.handle)).entries;
      await expect(readWholeEntry(reader, entry)).rejects.toThrow(/x\.xml: CRC mismatch/);
      await expect(streamed(reader, 'x.xml')).rejects.toThrow(/x\.xml: CRC mismatch/);
    } finally {
      await reader.handle.close();
    }
  });

  it('stops reading once the reader is closed', async () => {
    let seed = 1;
    const noise = Array.from({ length: 400_000 }, () => (seed = (seed * 48271) % 2147483647) % 97).join(',');
    await withZip([{ name: 'noise.xml', content: noise }], {}, async (reader) => {
      const [entry] = (await readZipDirectory(reader.handle)).entries;
      expect(entry.compressedSize).toBeGreaterThan(300_000);
      const chunks = entryChunks(reader, entry);
      await chunks.next();
      reader.closed = true;
      await expect(
        (async () => {
          for (;;) if ((await chunks.next()).done) return;
        })(),
      ).rejects.toThrow(/the source was closed/);
      expect(reader.bytes).toBeLessThan(entry.compressedSize / 2);
    });
  });
});
