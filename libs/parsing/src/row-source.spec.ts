import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ExcelJS from 'exceljs';
import * as iconv from 'iconv-lite';
import {
  ANALYTICS_COLUMNS,
  ANALYTICS_TITLES,
  ORDER_COLUMNS,
  SampleEncoding,
  SampleSheet,
  sampleSheetRows,
  writeSampleCsv,
  writeSampleXlsx,
} from '../test/sample-sheets';
import { FileFormat, RowSource, SheetRow, UnreadableFileError, openRowSource } from './row-source';

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'row-source-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ORDERS: SampleSheet = { columns: ORDER_COLUMNS, rows: 300, seed: 11 };
const ANALYTICS: SampleSheet = { columns: ANALYTICS_COLUMNS, rows: 700, seed: 12, titles: ANALYTICS_TITLES };

function fixture(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function readAll(
  path: string,
  format: FileFormat = 'csv',
  headerRow = 1,
): Promise<RowSource & { all: SheetRow[] }> {
  const source = await openRowSource(path, format, { headerRow });
  const all: SheetRow[] = [];
  for await (const row of source.rows) all.push(row);
  return { ...source, all };
}

const openFds = (): number => readdirSync('/proc/self/fd').length;

describe(openRowSource.name, () => {
  describe('csv', () => {
    it.each<SampleEncoding>(['utf8', 'utf8-bom', 'gbk'])('reads %s sample files cell for cell', async (encoding) => {
      const { headers, all } = await readAll(writeSampleCsv(join(dir, `orders-${encoding}.csv`), ORDERS, encoding));
      expect(headers).toEqual(ORDER_COLUMNS.map((c) => c.name));
      expect(all.map((row) => row.values)).toEqual([...sampleSheetRows(ORDERS)]);
    });

    it('skips blank lines before the header, reports them and finds the delimiter on the header line', async () => {
      const source = await readAll(fixture('blank-first.csv', '\r\n  \r\n\r\nsku;名称\r\nA1;杯子\r\n'));
      expect(source.leadingBlankRows).toBe(3);
      expect(source.headers).toEqual(['sku', '名称']);
      expect(source.all).toEqual([{ rowNumber: 5, values: ['A1', '杯子'] }]);
    });

    it.each([
      ['UTF-16LE', 'utf16le', Buffer.from('\ufeffsku\tname\r\nA1\tCafé 杯\r\n', 'utf16le')],
      ['UTF-16BE', 'utf16be', Buffer.from('\ufeffsku\tname\r\nA1\tCafé 杯\r\n', 'utf16le').swap16()],
    ])('reads %s text by its byte-order mark', async (_, encoding, bytes) => {
      const source = await readAll(fixture(`${encoding}.csv`, bytes));
      expect(source.encoding).toBe(encoding);
      expect(source.headers).toEqual(['sku', 'name']);
      expect(source.all[0].values).toEqual(['A1', 'Café 杯']);
    });

    it('reads Windows-1252 text that is neither UTF-8 nor GBK, and an explicit encoding overrides detection', async () => {
      const western = fixture('western.csv', iconv.encode('sku,name\r\nA1,Crème brûlée – 5 €\r\n', 'windows-1252'));
      const detected = await readAll(western);
      expect(detected.encoding).toBe('windows-1252');
      expect(detected.all[0].values).toEqual(['A1', 'Crème brûlée – 5 €']);
      // C4 D6 DC E4 F6 FC reads as three GBK characters; declared, it is ÄÖÜäöü
      const ambiguous = fixture('ambiguous.csv', Buffer.from('sku,name\r\nA1,ÄÖÜäöü\r\n', 'latin1'));
      expect((await readAll(ambiguous)).encoding).toBe('gbk');
      const declared = await openRowSource(ambiguous, 'csv', { headerRow: 1, encoding: 'windows-1252' });
      for await (const row of declared.rows) expect(row.values).toEqual(['A1', 'ÄÖÜäöü']);
      expect(declared.encoding).toBe('windows-1252');
    });

    it('still refuses UTF-16 text that holds binary data', async () => {
      const bytes = Buffer.concat([Buffer.from('\ufeffa,b\r\n', 'utf16le'), Buffer.from([1, 0, 2, 0, 3, 0])]);
      await expect(readAll(fixture('utf16-binary.csv', bytes))).rejects.toThrow(/binary/);
    });

    it('numbers rows by physical record, the header being row 1', async () => {
      const { all } = await readAll(fixture('numbers.csv', 'a,b\n1,2\n3,4\n'));
      expect(all).toEqual([
        { rowNumber: 2, values: ['1', '2'] },
        { rowNumber: 3, values: ['3', '4'] },
      ]);
    });

    it.each([
      ['tab', '\t'],
      ['semicolon', ';'],
      ['pipe', '|'],
    ])('detects a %s delimiter from the header line', async (_, delimiter) => {
      const text = ['名称,备注', '1,2'].map((line) => line.replace(',', delimiter)).join('\r\n');
      const { headers, all } = await readAll(fixture(`delimiter-${_}.csv`, text));
      expect(headers).toEqual(['名称', '备注']);
      expect(all[0].values).toEqual(['1', '2']);
    });

    it('keeps commas, escaped quotes and line breaks inside quoted fields', async () => {
      const text = 'id,name,note\r\n1,"a, b","say ""hi""\r\nsecond line"\r\n2,plain,x\r\n';
      const { all } = await readAll(fixture('quoted.csv', text));
      expect(all).toEqual([
        { rowNumber: 2, values: ['1', 'a, b', 'say "hi"\r\nsecond line'] },
        { rowNumber: 3, values: ['2', 'plain', 'x'] },
      ]);
    });

    it('skips title lines above header row 3', async () => {
      const text = '数据概览\r\n统计周期：2026-11-01 ~ 2026-11-07\r\n日期,商品ID\r\n2026-11-01,17001\r\n';
      const { headers, all } = await readAll(fixture('titles.csv', text), 'csv', 3);
      expect(headers).toEqual(['日期', '商品ID']);
      expect(all).toEqual([{ rowNumber: 4, values: ['2026-11-01', '17001'] }]);
    });

    it('skips empty lines and rows of empty cells, yet counts them in row numbers', async () => {
      const { all } = await readAll(fixture('blank.csv', 'a,b\n\n1,2\n , \n\n3,4'));
      expect(all).toEqual([
        { rowNumber: 3, values: ['1', '2'] },
        { rowNumber: 6, values: ['3', '4'] },
      ]);
    });

    it('trims cells and headers and strips the BOM', async () => {
      const { headers, all } = await readAll(fixture('trim.csv', '\ufeff id , name \n 1 ,  a b  \n'));
      expect(headers).toEqual(['id', 'name']);
      expect(all[0].values).toEqual(['1', 'a b']);
    });

    it('passes short and long rows through for the caller to quarantine', async () => {
      const { all } = await readAll(fixture('ragged.csv', 'a,b,c\n1,2\n1,2,3,4\n1,2,3,,\n'));
      expect(all.map((row) => row.values)).toEqual([
        ['1', '2'],
        ['1', '2', '3', '4'],
        ['1', '2', '3'],
      ]);
    });

    it('drops empty header cells left by trailing delimiters', async () => {
      const { headers, all } = await readAll(fixture('trailing.csv', 'a,b,\n1,2,\n'));
      expect(headers).toEqual(['a', 'b']);
      expect(all[0].values).toEqual(['1', '2']);
    });

    it('reads a last line without a line break', async () => {
      const { all } = await readAll(fixture('no-eol.csv', 'a\n1\n"2"'));
      expect(all.map((row) => row.values)).toEqual([['1'], ['2']]);
    });

    it('releases the file when the consumer stops early', async () => {
      const path = writeSampleCsv(join(dir, 'orders-2000.csv'), { ...ORDERS, rows: 2000 });
      const before = openFds();
      for (let i = 0; i < 300; i++) {
        const source = await openRowSource(path, 'csv', { headerRow: 1 });
        for await (const row of source.rows) {
          expect(row.rowNumber).toBe(2);
          break;
        }
      }
      expect(openFds()).toBeLessThanOrEqual(before + 2);
    });

    it('releases the file on close without reading rows', async () => {
      const path = fixture('close.csv', 'a\n1\n');
      const before = openFds();
      for (let i = 0; i < 50; i++) await (await openRowSource(path, 'csv', { headerRow: 1 })).close();
      expect(openFds()).toBeLessThanOrEqual(before + 2);
    });

    it.each([
      ['an empty file', ''],
      ['a file of blank lines', '\r\n\r\n  \r\n'],
      ['binary bytes', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d])],
      ['text in no encoding read', Buffer.from([0x61, 0x2c, 0x62, 0x0a, 0x81, 0x0a, 0x8d, 0x0a])],
      ['a quote never closed', 'a,b\n1,"open\n2,3\n'],
    ])('rejects %s as unreadable', async (name, content) => {
      const path = fixture(`bad-${name.replace(/ /g, '-')}.csv`, content);
      await expect(readAll(path)).rejects.toBeInstanceOf(UnreadableFileError);
    });

    it('reads a stray NUL byte inside a field as U+0000, for the row to be quarantined', async () => {
      const path = fixture('nul.csv', Buffer.from('sku,name\nA1,cup\nA2,"mu\0g",\nA3,\0\n'));
      const { all } = await readAll(path);
      expect(all.map((row) => row.values)).toEqual([
        ['A1', 'cup'],
        ['A2', 'mu\0g'],
        ['A3', '\0'],
      ]);
    });

    it('reads a stray NUL byte in a GBK file', async () => {
      const gbk = (text: string): Buffer => iconv.encode(text, 'gbk');
      const path = fixture(
        'nul-gbk.csv',
        Buffer.concat([gbk('服务单号,备注\r\nFW1,苗'), Buffer.from([0]), gbk('手\r\n')]),
      );
      expect((await readAll(path)).all).toEqual([{ rowNumber: 2, values: ['FW1', '苗\0手'] }]);
    });

    it('reads a GBK lead byte cut by a NUL as Windows-1252 text, the NUL kept for quarantine', async () => {
      const path = fixture(
        'cut-gbk.csv',
        Buffer.concat([iconv.encode('a,b\r\n1,', 'gbk'), Buffer.from([0xd6, 0, 0x0a])]),
      );
      const { all, encoding } = await readAll(path);
      expect(encoding).toBe('windows-1252');
      expect(all).toEqual([{ rowNumber: 2, values: ['1', 'Ö\0'] }]);
    });

    it('lets a stray NUL through after the first 64 KiB, but not a run of NULs (binary data)', async () => {
      const text = Buffer.from(`a,b\n${'1,2\n'.repeat(20_000)}`);
      const stray = fixture('late-nul.csv', Buffer.concat([text, Buffer.from([0x33, 0, 0x2c, 0x34, 0x0a])]));
      expect((await readAll(stray)).all.at(-1)).toEqual({ rowNumber: 20_002, values: ['3\0', '4'] });
      const binary = fixture('late-binary.csv', Buffer.concat([text, Buffer.alloc(1_000), Buffer.from('\n')]));
      await expect(readAll(binary)).rejects.toThrow(/NUL/);
    });

    it('rejects UTF-16 text (a NUL in every other byte) as binary', async () => {
      const path = fixture('utf16.csv', Buffer.from('sku,qty\r\nA1,3\r\n', 'utf16le'));
      await expect(readAll(path)).rejects.toThrow(/binary data/);
    });

    it('rejects a header PostgreSQL cannot store, naming its column', async () => {
      const path = fixture('nul-header.csv', Buffer.from('sku,na\0me\nA1,cup\n'));
      await expect(readAll(path)).rejects.toThrow(
        new UnreadableFileError(
          'the header of column 2 contains a NUL character (U+0000), which PostgreSQL cannot store',
        ),
      );
    });

    it('rejects a header row beyond the end of the file', async () => {
      const path = fixture('short.csv', 'a,b\n1,2\n');
      await expect(openRowSource(path, 'csv', { headerRow: 5 })).rejects.toThrow(/header row 5 is beyond/);
    });

    it('passes file-system errors through unchanged', async () => {
      await expect(openRowSource(join(dir, 'missing.csv'), 'csv', { headerRow: 1 })).rejects.toMatchObject({
        code: 'ENOENT',
      });
    });
  });

  describe('xlsx', () => {
    let path: string;
    beforeAll(async () => (path = await writeSampleXlsx(join(dir, 'analytics.xlsx'), ANALYTICS)));

    it('reads headers at row 3 and every row of the first sheet', async () => {
      const { headers, all } = await readAll(path, 'xlsx', 3);
      expect(headers).toEqual(ANALYTICS_COLUMNS.map((c) => c.name));
      expect(all).toHaveLength(700);
      expect(all[0].rowNumber).toBe(4);
      expect(all[699].rowNumber).toBe(703);
    });

    it('turns numbers into their shortest text and keeps text cells as they are', async () => {
      const { all } = await readAll(path, 'xlsx', 3);
      const expected = [...sampleSheetRows(ANALYTICS)];
      const numeric = ANALYTICS_COLUMNS.map((c) => c.type === 'integer' || c.type === 'number');
      all.forEach(({ values }, i) => {
        expect(values).toEqual(expected[i].map((value, c) => (numeric[c] && value ? String(Number(value)) : value)));
      });
    });

    it('rejects a truncated workbook as unreadable', async () => {
      const bytes = readFileSync(path);
      const truncated = fixture('truncated.xlsx', bytes.subarray(0, Math.floor(bytes.length * 0.6)));
      await expect(readAll(truncated, 'xlsx', 3)).rejects.toBeInstanceOf(UnreadableFileError);
    });

    it('rejects a workbook with corrupt sheet data as unreadable, without hanging', async () => {
      const bytes = Buffer.from(readFileSync(path));
      const middle = Math.floor(bytes.length * 0.4);
      for (let i = middle; i < middle + 64; i++) bytes[i] ^= 0x5a;
      await expect(readAll(fixture('garbled.xlsx', bytes), 'xlsx', 3)).rejects.toBeInstanceOf(UnreadableFileError);
    });

    it.each([
      ['an empty file', Buffer.alloc(0)],
      ['zip magic then garbage', Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(4000, 7)])],
      ['a CSV', Buffer.from('a,b\n1,2\n')],
    ])('rejects %s as unreadable', async (name, content) => {
      const bad = fixture(`bad-${name.replace(/ /g, '-')}.xlsx`, content);
      await expect(readAll(bad, 'xlsx')).rejects.toBeInstanceOf(UnreadableFileError);
    });

    it('reads every cell type, from the first sheet only', async () => {
      const typed = join(dir, 'typed.xlsx');
      const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: typed, useSharedStrings: true });
      const sheet = workbook.addWorksheet('first');
      sheet.addRow(['text', 'number', 'date', 'datetime', 'formula', 'bool', 'rich', 'empty', 'last']).commit();
      const richText = [{ text: 'rich ' }, { text: 'text', font: { bold: true } }];
      const cells = ['  a  ', 0.1 + 0.2, new Date('2026-11-03T00:00:00Z'), new Date('2026-11-03T12:30:05Z')];
      sheet.addRow([...cells, { formula: 'B2*2', result: 0.6 }, true, { richText }, null, 'z']).commit();
      sheet.addRow([null, 12.5]).commit();
      const other = workbook.addWorksheet('second');
      other.addRow(['other']).commit();
      await workbook.commit();
      const { headers, all } = await readAll(typed, 'xlsx');
      expect(headers).toEqual(['text', 'number', 'date', 'datetime', 'formula', 'bool', 'rich', 'empty', 'last']);
      expect(all).toEqual([
        {
          rowNumber: 2,
          values: ['a', '0.3', '2026-11-03', '2026-11-03 12:30:05', '0.6', 'true', 'rich text', '', 'z'],
        },
        { rowNumber: 3, values: ['', '12.5', '', '', '', '', '', '', ''] },
      ]);
    });

    it('reads a workbook with inline strings and no shared-strings part', async () => {
      const inline = join(dir, 'inline.xlsx');
      const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: inline, useSharedStrings: false });
      const sheet = workbook.addWorksheet('only');
      sheet.addRow(['名称', '数量']).commit();
      sheet.addRow(['杯子', 3]).commit();
      await workbook.commit();
      const { headers, all } = await readAll(inline, 'xlsx');
      expect(headers).toEqual(['名称', '数量']);
      expect(all).toEqual([{ rowNumber: 2, values: ['杯子', '3'] }]);
    });

    it('releases the file when the consumer stops early', async () => {
      const before = openFds();
      for (let i = 0; i < 30; i++) {
        const source = await openRowSource(path, 'xlsx', { headerRow: 3 });
        for await (const row of source.rows) {
          expect(row.rowNumber).toBe(4);
          break;
        }
      }
      expect(openFds()).toBeLessThanOrEqual(before + 2);
    });
  });
});

describe('gbk fixture', () => {
  it('is told apart from UTF-8 and read', async () => {
    const path = fixture('gbk.csv', iconv.encode('店铺名称,件数\r\n苗手 ERP 店,3\r\n', 'gbk'));
    const { headers, all } = await readAll(path);
    expect(headers).toEqual(['店铺名称', '件数']);
    expect(all[0].values).toEqual(['苗手 ERP 店', '3']);
  });
});
