import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sheetXml, workbookParts, writeZip } from '../test/zip-writer';
import { ReadLimits } from './read-limits';
import { openRowSource } from './row-source';
import type { FileFormat } from './row-source.types';
import { UnreadableFileError } from './unreadable-file.error';

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'read-limits-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function xlsx(sheet: string, overrides: Record<string, string> = {}): string {
  const path = join(dir, `limits-${++files}.xlsx`);
  writeZip(path, workbookParts([sheet], overrides));
  return path;
}
function csv(text: string): string {
  const path = join(dir, `limits-${++files}.csv`);
  writeFileSync(path, text);
  return path;
}

async function read(path: string, limits: Partial<ReadLimits>): Promise<number> {
  const format: FileFormat = path.endsWith('.xlsx') ? 'xlsx' : 'csv';
  const source = await openRowSource(path, format, { headerRow: 1, limits });
  let rows = 0;
  for await (const row of source.rows) rows += row.rowNumber > 0 ? 1 : 0;
  return rows;
}

const inlineRow = (n: number, cells: number): string =>
  `<row r="${n}">${Array.from({ length: cells }, (_, i) => `<c t="inlineStr"><is><t>v${i}</t></is></c>`).join('')}</row>`;
const rowsOf = (count: number, cells = 2): string =>
  Array.from({ length: count }, (_, i) => inlineRow(i + 1, cells)).join('');

describe('read limits', () => {
  it.each<[keyof ReadLimits, number, () => string]>([
    ['maxRows', 10, () => xlsx(sheetXml(rowsOf(20)))],
    ['maxCellsPerRow', 5, () => xlsx(sheetXml(rowsOf(2, 8)))],
    ['maxColumns', 3, () => xlsx(sheetXml('<row r="1"><c r="A1"><v>1</v></c><c r="E1"><v>2</v></c></row>'))],
    ['maxRowChars', 1000, () => xlsx(sheetXml(rowsOf(1, 400)))],
    ['maxInflateRatio', 10, () => xlsx(sheetXml(rowsOf(30_000)))],
    ['maxInflatedBytes', 100_000, () => xlsx(sheetXml(rowsOf(5_000)))],
    [
      'maxSharedStrings',
      100,
      () => xlsx(sheetXml(rowsOf(1)), { 'xl/sharedStrings.xml': `<sst>${'<si><t>s</t></si>'.repeat(200)}</sst>` }),
    ],
    [
      'maxSharedStringChars',
      1000,
      () =>
        xlsx(sheetXml(rowsOf(1)), { 'xl/sharedStrings.xml': `<sst>${'<si><t>0123456789</t></si>'.repeat(200)}</sst>` }),
    ],
    ['maxRows', 10, () => csv(`a,b\n${'1,2\n'.repeat(20)}`)],
    ['maxCellsPerRow', 5, () => csv(`a,b\n${'1,'.repeat(10)}\n`)],
    ['maxRowChars', 1000, () => csv(`a,b\n"${'x'.repeat(100_000)}"\n`)],
  ])('stops a file past %s (%i) with a permanent error naming the limit', async (limit, value, file) => {
    const path = file();
    const error = await read(path, { [limit]: value }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnreadableFileError);
    expect((error as Error).message).toContain(`${limit} limit of ${value.toLocaleString('en-US')}`);
    await expect(read(path, {})).resolves.toBeGreaterThanOrEqual(0); // within the defaults it reads
  });

  it('fails fast on a shared string that never ends instead of rescanning it forever', async () => {
    const endless = `<sst><si><t>${'x'.repeat(3 * 1024 * 1024)}`;
    const path = xlsx(sheetXml(rowsOf(1)), { 'xl/sharedStrings.xml': endless });
    const started = Date.now();
    await expect(read(path, { maxRowChars: 1024 * 1024, maxInflateRatio: 5000 })).rejects.toThrow(/maxRowChars/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('fails fast on a row that never ends', async () => {
    const sheet = sheetXml(`<row r="1"><c t="inlineStr"><is><t>${'y'.repeat(3 * 1024 * 1024)}`).replace(
      '</sheetData></worksheet>',
      '',
    );
    const started = Date.now();
    await expect(read(xlsx(sheet), { maxRowChars: 1024 * 1024, maxInflateRatio: 5000 })).rejects.toThrow(/maxRowChars/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
