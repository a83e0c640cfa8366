import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ExcelJS from 'exceljs';
import type { CellValue } from 'exceljs';
import { exceljsSheetRows } from '../test/exceljs-xlsx-source';
import { relsXml, sheetXml, workbookParts, workbookXml, writeZip, ZipPart } from '../test/zip-writer';
import { ANALYTICS_COLUMNS, ANALYTICS_TITLES, writeSampleXlsx } from '../test/sample-sheets';
import type { SheetRow } from './row-source.types';
import { UnreadableFileError } from './unreadable-file.error';
import { openXlsxSheet, openXlsxSource } from './xlsx-source';

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'xlsx-source-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
const fileIn = (): string => join(dir, `book-${++files}.xlsx`);

async function ourRows(path: string): Promise<SheetRow[]> {
  const sheet = await openXlsxSheet(path);
  const all: SheetRow[] = [];
  for await (const batch of sheet.batches) all.push(...batch);
  return all;
}

/**
 * A cell the new reader reads differently from ExcelJS on purpose, because ExcelJS lost or changed what the
 * sheet shows (see SheetScanner's cellText): the text each one gives.
 */
interface Departure {
  cell: string;
  exceljs: string;
  ours: string;
}

/**
 * Reads the file with the new reader and with the ExcelJS path it replaces; they must agree exactly, but for
 * the `departures`, each asserted with both texts, and for one ExcelJS bug: it decodes each inflated chunk on
 * its own, so a character split between two chunks reads as 1–4 U+FFFD there. Such a cell must match ours
 * everywhere else, with one character in their place.
 */
async function expectSameAsExcelJs(path: string, departures: Departure[] = []): Promise<SheetRow[]> {
  const reference = await exceljsSheetRows(path);
  const ours = await ourRows(path);
  reference.forEach((row, i) =>
    row.values.forEach((value, c) => {
      const our = ours[i]?.values[c];
      if (value.includes('\ufffd') && our !== undefined && splitCharacters(value).test(our)) row.values[c] = our;
    }),
  );
  for (const departure of departures) {
    const { rowNumber, column } = cellAt(departure.cell);
    const referenceRow = reference.find((row) => row.rowNumber === rowNumber);
    const ourRow = ours.find((row) => row.rowNumber === rowNumber);
    expect({ cell: departure.cell, exceljs: referenceRow?.values[column], ours: ourRow?.values[column] }).toEqual(
      departure,
    );
    if (referenceRow) referenceRow.values[column] = departure.ours;
  }
  expect(ours).toStrictEqual(reference);
  return ours;
}

/** 'D12' → row 12, column index 3. */
function cellAt(ref: string): { rowNumber: number; column: number } {
  const [, letters, digits] = /^([A-Z]+)(\d+)$/.exec(ref) ?? [];
  const column = [...letters].reduce((n, letter) => n * 26 + letter.charCodeAt(0) - 64, 0) - 1;
  return { rowNumber: Number(digits), column };
}

function splitCharacters(garbled: string): RegExp {
  const parts = garbled.split(/\ufffd+/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[^]')}$`, 'u'); // [^] with u: any one code point
}

function handWritten(parts: ZipPart[], options?: { zip64?: boolean }): string {
  const path = fileIn();
  writeZip(path, parts, options);
  return path;
}

const openFds = (): number => readdirSync('/proc/self/fd').length;

// ---------------------------------------------------------------- workbooks ExcelJS writes

const STRINGS = [
  'plain',
  '  padded  ',
  `a & b < c > d "q" 's'`,
  'literal &amp; and &lt; and &#65;',
  '中文商品名称 · 测试',
  'emoji 😀👍🏽 family 👨‍👩‍👧',
  'line1\nline2',
  'crlf\r\nend',
  'tab\tinside',
  '_x000D_ and _x0041_',
  ' ',
  '',
  '00123',
  '1e5',
  'AT&T;',
  '=not a formula',
  '\u00a0nbsp\u3000ideographic space\u3000',
  'bell\u0007',
];
const NUMBERS = [
  0,
  -0,
  1,
  -1,
  42,
  3.14,
  0.1 + 0.2,
  1e21,
  1e-7,
  -12.5,
  123456789012345,
  1234567890123456789,
  0.000001,
  0.0000012,
  Number.MAX_SAFE_INTEGER,
  1 / 3,
  -0.5,
  2.5e-10,
  1e15,
  99.99,
];
const DATES = [
  new Date('2026-11-03T00:00:00Z'),
  new Date('2026-11-03T12:30:05Z'),
  new Date('2026-11-03T12:30:04.9996Z'),
  new Date('1900-01-15T00:00:00Z'),
  new Date('1900-03-01T00:00:00Z'),
  new Date('1970-01-01T00:00:00Z'),
  new Date('2099-12-31T23:59:59Z'),
  new Date('1904-01-02T06:00:00Z'),
];
const FORMULAS = [
  { formula: 'A1*2', result: 7 },
  { formula: 'A1*0', result: 0 },
  { formula: 'CONCAT("a","&amp;")', result: 'a&amp;' },
  { formula: 'T("")', result: '' },
  { formula: 'TODAY()', result: new Date('2026-11-03T00:00:00Z') },
  { formula: 'TRUE()', result: true },
  { formula: 'FALSE()', result: false },
  { formula: '1/0', result: { error: '#DIV/0!' } },
  { formula: 'NOW()' },
  { formula: 'A1*1.5', result: 0.1 + 0.2 },
] as unknown as CellValue[];
const OTHERS: CellValue[] = [
  true,
  false,
  { error: '#N/A' },
  { error: '#DIV/0!' },
  { error: '#REF!' },
  { text: 'link text', hyperlink: 'https://example.com/?a=1&b=2' },
  { text: ' mail ', hyperlink: 'mailto:x@example.com', tooltip: 'tip' },
];
const RICH_TEXT: CellValue = {
  richText: [{ text: ' rich ' }, { font: { bold: true }, text: 'text & more' }, { text: ' 中文 ' }],
};
/** Custom number formats on numbers: the date ones make dates, the others stay numbers. */
const FORMATTED: [string, number][] = [
  ['yyyy-mm-dd hh:mm', 46329.5],
  ['"¥"#,##0.00', 1234.5],
  ['0.00%', 0.1234],
  ['[h]:mm:ss', 1.75],
  ['#,##0 "days"', 12],
  ['mmm d', 46329],
  ['0.0\\h', 3.5],
  ['[Red]0.00', -2],
  ['@', 8],
  ['dd/mm/yyyy', 46000],
  ['[$-409]mmmm d, yyyy', 46001.25],
  ['hh:mm:ss AM/PM', 0.75],
  ['0.00E+00', 12345.678],
  ['General', 7],
];

/** The cell of FORMULAS[i] (column D) and of STRINGS[i] (column A) in fillSheet's sheet. */
const formulaCell = (i: number): string => `D${i + 3}`;
const stringCell = (i: number): string => `A${i + 3}`;

/** Where fillSheet's sheet reads differently from ExcelJS on purpose; `inlineStrings`: written as t="str". */
function fillSheetDepartures(options: { inlineStrings?: boolean; date1904?: boolean } = {}): Departure[] {
  const departures: Departure[] = [
    // Formula results read as cells of their type and style.
    { cell: formulaCell(1), exceljs: '', ours: '0' }, // A1*0
    { cell: formulaCell(2), exceljs: 'a&', ours: 'a&amp;' }, // a t="str" result, entities decoded once
    { cell: formulaCell(4), exceljs: options.date1904 ? '44867' : '46329', ours: '2026-11-03' }, // TODAY()
    { cell: formulaCell(5), exceljs: '1', ours: 'true' }, // TRUE()
    { cell: formulaCell(6), exceljs: '', ours: 'false' }, // FALSE()
    { cell: formulaCell(7), exceljs: '', ours: '#DIV/0!' }, // 1/0
    // ExcelJS writes this text without escaping its underscores: Excel shows a carriage return (trimmed here)
    // and 'A', and so do we.
    { cell: stringCell(9), exceljs: '_x000D_ and _x0041_', ours: 'and A' },
  ];
  if (options.inlineStrings) {
    // ExcelJS decoded t="str" text a second time (shared strings it decoded once, as we do).
    departures.push({
      cell: stringCell(3),
      exceljs: 'literal & and < and &#65;',
      ours: 'literal &amp; and &lt; and &#65;',
    });
  }
  return departures;
}

interface SheetLike {
  addRow(values: CellValue[]): ExcelJS.Row;
  getRow(n: number): ExcelJS.Row;
}

/** Every kind of cell, sparse rows and enough rows to cross many chunk boundaries. */
function fillSheet(sheet: SheetLike, options: { styles: boolean; richText: boolean; commit: boolean }): void {
  const add = (values: CellValue[]): ExcelJS.Row => {
    const row = sheet.addRow(values);
    if (options.commit) row.commit();
    return row;
  };
  add(['title line']);
  add(['text', 'number', 'date', 'formula', 'other', 'last']);
  const longest = Math.max(STRINGS.length, NUMBERS.length, DATES.length, FORMULAS.length, OTHERS.length);
  for (let i = 0; i < longest; i++) {
    add([STRINGS[i] ?? null, NUMBERS[i] ?? null, DATES[i] ?? null, FORMULAS[i] ?? null, OTHERS[i] ?? null, 'z']);
  }
  if (options.richText) add([RICH_TEXT, null, RICH_TEXT]);
  add([]);
  add([null, null, 'after a gap', null, null, null, null, 'far right']);
  add([null, null, null]);
  if (options.styles) {
    for (const [format, value] of FORMATTED) {
      const row = add([format, value]);
      row.getCell(2).numFmt = format;
      row.getCell(4).numFmt = '0.00'; // a cell with a style and no value
      row.getCell(5).fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFF0000' } };
      if (options.commit) row.commit();
    }
    const dated = add([new Date('2026-11-03T08:09:10Z')]);
    dated.getCell(1).numFmt = 'dd/mm/yyyy hh:mm:ss';
    if (options.commit) dated.commit();
  }
  for (let i = 0; i < 3000; i++) {
    add([
      i,
      `name ${i} 名称 ${'长'.repeat(i % 40)}${i % 7 === 0 ? ' 😀' : ''}`,
      i * 0.37,
      new Date(Date.UTC(2026, 0, 1 + (i % 365), i % 24, i % 60)),
      i % 3 === 0 ? null : `x${i % 11}`,
      i % 5 === 0 ? { formula: `A${i}+1`, result: i + 1 } : -i / 8,
    ]);
  }
}

describe(openXlsxSheet.name, () => {
  describe('reads exactly what the ExcelJS path read', () => {
    it('from Workbook.xlsx.writeFile (shared strings, styles)', async () => {
      const path = fileIn();
      const workbook = new ExcelJS.Workbook();
      const sheet = workbook.addWorksheet('first');
      fillSheet(sheet, { styles: true, richText: true, commit: false });
      // A shared formula: its followers have an empty <f/>; ExcelJS kept their 0 result, not the first cell's.
      sheet.getCell('K1').value = { formula: 'A1*0', result: 0, shareType: 'shared', ref: 'K1:K3' } as CellValue;
      sheet.getCell('K2').value = { sharedFormula: 'K1', result: 0 };
      sheet.getCell('K3').value = { sharedFormula: 'K1', result: 5 };
      workbook.addWorksheet('second').addRow(['other sheet']);
      await workbook.xlsx.writeFile(path);
      const rows = await expectSameAsExcelJs(path, [...fillSheetDepartures(), { cell: 'K1', exceljs: '', ours: '0' }]);
      expect(rows.length).toBeGreaterThan(3000);
      expect([rows[0].values[10], rows[1].values[10], rows[2].values[10]]).toEqual(['0', '0', '5']);
    });

    it('from Workbook.xlsx.writeFile with the 1904 date system', async () => {
      const path = fileIn();
      const workbook = new ExcelJS.Workbook();
      workbook.properties.date1904 = true;
      fillSheet(workbook.addWorksheet('first'), { styles: true, richText: true, commit: false });
      await workbook.xlsx.writeFile(path);
      const rows = await expectSameAsExcelJs(path, fillSheetDepartures({ date1904: true }));
      expect(rows[2].values[2]).toBe('2026-11-03');
    });

    it.each([
      ['with shared strings', { useSharedStrings: true, useStyles: false }],
      ['with shared strings and styles', { useSharedStrings: true, useStyles: true }],
      ['with inline strings', { useSharedStrings: false, useStyles: false }],
      ['with inline strings and styles', { useSharedStrings: false, useStyles: true }],
    ])('from the streaming WorkbookWriter %s', async (_, options) => {
      const path = fileIn();
      const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, ...options });
      const sheet = workbook.addWorksheet('first');
      // Inline rich text is read differently on purpose (see below).
      fillSheet(sheet, { styles: options.useStyles, richText: options.useSharedStrings, commit: true });
      workbook.addWorksheet('second').addRow(['other sheet']).commit();
      await workbook.commit();
      const rows = await expectSameAsExcelJs(path, fillSheetDepartures({ inlineStrings: !options.useSharedStrings }));
      expect(rows.length).toBeGreaterThan(3000);
    });

    it('from export-like sample sheets', async () => {
      const sheet = { columns: ANALYTICS_COLUMNS, rows: 5000, seed: 21, titles: ANALYTICS_TITLES };
      const rows = await expectSameAsExcelJs(await writeSampleXlsx(fileIn(), sheet));
      expect(rows).toHaveLength(5003);
    });
  });

  describe('hand-written XML', () => {
    const styles =
      '<styleSheet><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy/mm/dd"/></numFmts>' +
      '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/></cellXfs></styleSheet>';
    const sharedStrings = '<sst><si><t>zero</t></si><si><t xml:space="preserve"> one </t></si></sst>';
    const book = (rows: string, overrides: Record<string, string | null> = {}): string =>
      handWritten(
        workbookParts([sheetXml(rows)], {
          'xl/styles.xml': styles,
          'xl/sharedStrings.xml': sharedStrings,
          ...overrides,
        }),
      );

    it.each<[string, string, Departure[]]>([
      [
        'single quotes, attributes in any order, spaces around =',
        `<row r='1'><c t='s' r='B1' ><v>0</v></c><c s = '1' r = 'C1'><v>46000</v></c></row>`,
        [],
      ],
      [
        'entities and character references decoded once, line ends',
        '<row r="1"><c r="A1" t="inlineStr"><is><t>a&#13;&#10;b\r\nc\rd &#x1F600; &#20013;</t></is></c><c r="B1" t="str"><v>x&amp;amp;y &amp;lt; &quot;</v></c></row>',
        [{ cell: 'B1', exceljs: 'x&y < "', ours: 'x&amp;y &lt; "' }],
      ],
      [
        't="d", empty booleans and errors, missing shared strings, n with spaces',
        '<row r="1"><c r="A1" t="d"><v>2026-11-03T10:00:00</v></c><c r="B1" t="b"><v></v></c><c r="C1" t="b"><v/></c><c r="D1" t="e"><v></v></c><c r="E1" t="s"><v>99</v></c><c r="F1" t="s"><v></v></c><c r="G1" t="n"><v> 12 </v></c></row>',
        [
          { cell: 'A1', exceljs: '2026', ours: '2026-11-03 10:00:00' }, // ExcelJS: parseFloat of the ISO text
          { cell: 'B1', exceljs: 'true', ours: '' }, // ExcelJS: parseInt('') !== 0
          { cell: 'C1', exceljs: 'true', ours: '' },
        ],
      ],
      [
        't="d" ISO 8601 text reads as a date cell does, wall clock as written; other text as written',
        '<row r="1"><c r="A1" t="d"><v>2026-11-03</v></c><c r="B1" t="d"><v>2026-11-03T10:00:00+08:00</v></c><c r="C1" t="d"><v>10:00:00</v></c><c r="D1" t="d"><v>soon</v></c><c r="E1" t="d"><f>NOW()</f><v>2026-11-03T10:00:00.5Z</v></c><c r="F1" t="b"><v>0</v></c><c r="G1" t="b"><v>1</v></c></row>',
        [
          { cell: 'A1', exceljs: '2026', ours: '2026-11-03' },
          { cell: 'B1', exceljs: '2026', ours: '2026-11-03 10:00:00' },
          { cell: 'C1', exceljs: '10', ours: '10:00:00' },
          { cell: 'D1', exceljs: '', ours: 'soon' },
          { cell: 'E1', exceljs: '2026', ours: '2026-11-03 10:00:01' },
        ],
      ],
      [
        'formula results read as cells of their type and style; none yet reads empty',
        '<row r="1"><c r="A1"><f>1-1</f><v>0</v></c><c r="B1"><f t="shared" si="0"/><v>0</v></c><c r="C1" t="b"><f>TRUE()</f><v>1</v></c><c r="D1" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="E1" t="str"><f>A1</f><v>a&amp;amp;b</v></c><c r="F1"><f>NOW()</f></c><c r="G1" s="1"><f>A1</f><v>45000</v></c><c r="H1" t="b"><f>FALSE()</f><v>0</v></c><c r="I1" t="b"><f>X</f><v></v></c></row>',
        [
          { cell: 'A1', exceljs: '', ours: '0' }, // ExcelJS dropped a falsy result where the formula has text
          { cell: 'C1', exceljs: '1', ours: 'true' },
          { cell: 'D1', exceljs: '', ours: '#DIV/0!' },
          { cell: 'E1', exceljs: 'a&b', ours: 'a&amp;b' },
          { cell: 'G1', exceljs: '45000', ours: '2023-03-15' },
          { cell: 'H1', exceljs: '', ours: 'false' },
        ],
      ],
      [
        "a cell's own s decides, 0 when missing; a row's s does not style the cells it writes",
        '<row r="1" s="1" customFormat="1"><c r="A1"><v>45000</v></c><c r="B1" s="0"><v>45000</v></c><c r="C1" s="2"><v>45000.5</v></c><c r="D1" s="999"><v>45000</v></c></row><row r="2" s="0"><c r="A2"><v>45000</v></c></row>',
        // ExcelJS gave the row's style to cells without s, with s="0" and with an unknown s.
        [
          { cell: 'A1', exceljs: '2023-03-15', ours: '45000' },
          { cell: 'B1', exceljs: '2023-03-15', ours: '45000' },
          { cell: 'D1', exceljs: '2023-03-15', ours: '45000' },
        ],
      ],
      [
        'self-closing rows and cells, extLst and other elements skipped',
        '<row r="1"/><row r="2" spans="1:3"><c r="A2"/><c r="B2" s="1"/><c r="C2"><v>3</v><extLst><ext uri="x"><y/></ext></extLst></c></row><row r="3"></row>',
        [],
      ],
      [
        'rows out of order, a cell written twice',
        '<row r="5"><c r="B5"><v>1</v></c><c r="A5"><v>2</v></c><c r="B5"><v>3</v></c></row><row r="2"><c r="A2"><v>4</v></c></row>',
        [],
      ],
      [
        'namespace-prefixed tags, which ExcelJS does not read',
        '<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>',
        [],
      ],
      [
        'inline strings with one <t>',
        '<row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve">  inline  </t></is></c><c r="B1" t="inlineStr"><is/></c><c r="C1" t="inlineStr"><is><t/></is></c></row>',
        [],
      ],
    ])('%s', async (_, rows, departures) => {
      await expectSameAsExcelJs(book(rows), departures);
    });

    it('dates cells of style 0 when cellXfs[0] is a date format (ExcelJS never dated style 0)', async () => {
      const dated0 = '<styleSheet><cellXfs count="2"><xf numFmtId="14"/><xf numFmtId="0"/></cellXfs></styleSheet>';
      const cells =
        '<row r="1"><c r="A1"><v>45000</v></c><c r="B1" s="0"><v>45000</v></c><c r="C1" s="1"><v>45000</v></c></row>';
      const rows = await expectSameAsExcelJs(book(cells, { 'xl/styles.xml': dated0 }), [
        { cell: 'A1', exceljs: '45000', ours: '2023-03-15' },
        { cell: 'B1', exceljs: '45000', ours: '2023-03-15' },
      ]);
      expect(rows).toEqual([{ rowNumber: 1, values: ['2023-03-15', '2023-03-15', '45000'] }]);
    });

    it('decodes _xHHHH_ escapes in shared, inline and str text (ExcelJS left them as written)', async () => {
      const escaped = 'a_x000D_b _x005F_x0041_ _x00e9_ _xD83D__xDE00_ | _x0000_ _xD83D_ _xDE00_ _x12_ _xGGGG_';
      const strings = `<sst><si><t>${escaped}</t></si><si><r><t>_x0041_</t></r><r><t>_x0042_</t></r></si></sst>`;
      const cells =
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>' +
        `<c r="C1" t="inlineStr"><is><t>${escaped}</t></is></c><c r="D1" t="str"><v>${escaped}</v></c>` +
        '<c r="E1" t="str"><f>X</f><v>_x0031_</v></c><c r="F1"><v>_x0031_</v></c></row>';
      // Decoded: CR, a literal "_x0041_", é, 😀, U+0000 and lone surrogates (RowPreparer quarantines their
      // row); kept: what is not an escape.
      const decoded = 'a\rb _x0041_ é 😀 | \0 \ud83d \ude00 _x12_ _xGGGG_';
      const rows = await expectSameAsExcelJs(book(cells, { 'xl/sharedStrings.xml': strings }), [
        { cell: 'A1', exceljs: escaped, ours: decoded },
        { cell: 'B1', exceljs: '_x0041__x0042_', ours: 'AB' },
        { cell: 'C1', exceljs: escaped, ours: decoded },
        { cell: 'D1', exceljs: escaped, ours: decoded },
        { cell: 'E1', exceljs: '_x0031_', ours: '1' },
      ]);
      expect(rows[0].values[5]).toBe(''); // a number cell: parseFloat, as before
    });

    it('tells dates from numbers for every number format id as ExcelJS does', async () => {
      const ids = Array.from({ length: 200 }, (_, i) => i);
      const custom = [
        ['164', 'yyyy-mm-dd'],
        ['165', '&quot;¥&quot;#,##0.00'],
        ['166', '[Red]0.00;[Blue]-0.00'],
        ['167', '0.0\\h'],
        ['168', '&quot;y m d&quot; 0'],
        ['14', '0.00'],
        ['2', 'd/m/yyyy'],
        ['169', ''],
      ];
      const xml =
        `<styleSheet><numFmts count="${custom.length}">` +
        custom.map(([id, code]) => `<numFmt numFmtId="${id}" formatCode="${code}"/>`).join('') +
        `</numFmts><cellXfs count="${ids.length}">${ids.map((id) => `<xf numFmtId="${id}"/>`).join('')}</cellXfs></styleSheet>`;
      const cells = ids.map((id) => `<c r="${column(id + 1)}1" s="${id}"><v>45000.25</v></c>`).join('');
      const rows = await expectSameAsExcelJs(book(`<row r="1">${cells}</row>`, { 'xl/styles.xml': xml }));
      const [general, custom14, builtIn15, custom2] = [0, 14, 15, 2].map((id) => rows[0].values[id]);
      expect({ general, custom14, builtIn15, custom2 }).toEqual({
        general: '45000.25',
        custom14: '45000.25', // a custom code overrides the built-in one
        builtIn15: '2023-03-15 06:00:00',
        custom2: '2023-03-15 06:00:00',
      });
    });

    it('reads the 1904 date system from date1904="1" as ExcelJS does, and also from "true"', async () => {
      const cell = '<row r="1"><c r="A1" s="1"><v>1</v></c></row>';
      const one = workbookXml(1, '<workbookPr date1904="1"/>');
      expect(await expectSameAsExcelJs(book(cell, { 'xl/workbook.xml': one }))).toEqual([
        { rowNumber: 1, values: ['1904-01-02'] },
      ]);
      const yes = workbookXml(1, '<workbookPr date1904="true"/>');
      expect(await ourRows(book(cell, { 'xl/workbook.xml': yes }))).toEqual([{ rowNumber: 1, values: ['1904-01-02'] }]);
    });

    it('reads workbooks without shared strings, styles or relationships', async () => {
      const path = handWritten(
        workbookParts([sheetXml('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="1"><v>45000</v></c></row>')], {
          'xl/_rels/workbook.xml.rels': null,
        }),
      );
      expect(await expectSameAsExcelJs(path)).toEqual([{ rowNumber: 1, values: ['', '45000'] }]);
    });

    it('reads stored (uncompressed) entries', async () => {
      const parts = workbookParts([sheetXml('<row r="1"><c r="A1" t="s"><v>1</v></c></row>')], {
        'xl/sharedStrings.xml': sharedStrings,
      }).map((part) => ({ ...part, method: 0 }));
      expect(await expectSameAsExcelJs(handWritten(parts))).toEqual([{ rowNumber: 1, values: ['one'] }]);
    });

    it('reads ZIP64 archives (the ExcelJS path fell back to the whole file for them)', async () => {
      const parts = workbookParts([sheetXml('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>2.5</v></c></row>')], {
        'xl/sharedStrings.xml': sharedStrings,
      });
      expect(await ourRows(handWritten(parts, { zip64: true }))).toEqual([{ rowNumber: 1, values: ['zero', '2.5'] }]);
    });

    // What ExcelJS got wrong or could not read, and the new reader does on purpose.
    it('joins all runs of an inline rich-text string (ExcelJS kept only the last run)', async () => {
      const path = book(
        '<row r="1"><c r="A1" t="inlineStr"><is><r><t>ab </t></r><r><rPr><b/></rPr><t>cd</t></r></is></c></row>',
      );
      expect(await exceljsSheetRows(path)).toEqual([{ rowNumber: 1, values: ['cd'] }]);
      expect(await ourRows(path)).toEqual([{ rowNumber: 1, values: ['ab cd'] }]);
    });

    it('leaves phonetic <rPh> runs out (ExcelJS gave the phonetic reading instead of the text)', async () => {
      const strings =
        '<sst><si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="1"/></si>' +
        '<si><r><t>大</t></r><r><t>阪</t></r><rPh sb="0" eb="1"><t>オオ</t></rPh></si></sst>';
      const rows =
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>' +
        '<c r="C1" t="inlineStr"><is><t>京都</t><rPh sb="0" eb="2"><t>キョウト</t></rPh></is></c></row>';
      const path = book(rows, { 'xl/sharedStrings.xml': strings });
      expect(await exceljsSheetRows(path)).toEqual([{ rowNumber: 1, values: ['トウキョウ', '大阪', 'キョウト'] }]);
      expect(await ourRows(path)).toEqual([{ rowNumber: 1, values: ['東京', '大阪', '京都'] }]);
    });

    it('numbers rows and cells without an r attribute after the previous ones (ExcelJS failed)', async () => {
      const path = book(
        '<row r="3"><c><v>1</v></c><c r="C3"><v>3</v></c><c><v>4</v></c></row><row><c><v>5</v></c></row>',
      );
      await expect(exceljsSheetRows(path)).rejects.toThrow();
      expect(await ourRows(path)).toEqual([
        { rowNumber: 3, values: ['1', '', '3', '4'] },
        { rowNumber: 4, values: ['5'] },
      ]);
    });

    it('takes the first sheet in workbook order, through its relationship (ExcelJS: the lowest file number)', async () => {
      const first = sheetXml('<row r="1"><c r="A1"><v>1</v></c></row>');
      const second = sheetXml('<row r="1"><c r="A1"><v>2</v></c></row>');
      const reordered = workbookParts([first, second], {
        'xl/_rels/workbook.xml.rels': relsXml(2, (i) => `/xl/worksheets/sheet${3 - i}.xml`),
      });
      expect(await ourRows(handWritten(reordered))).toEqual([{ rowNumber: 1, values: ['2'] }]);
      const relative = workbookParts([first, second], {
        'xl/_rels/workbook.xml.rels': relsXml(2, (i) => `./worksheets/../worksheets/sheet${i}.xml`),
      });
      expect(await ourRows(handWritten(relative))).toEqual([{ rowNumber: 1, values: ['1'] }]);
    });

    it('skips a chart sheet listed first', async () => {
      const rels = relsXml(2).replace(
        'relationships/worksheet" Target="worksheets/sheet1.xml"',
        'relationships/chartsheet" Target="chartsheets/sheet1.xml"',
      );
      const parts = workbookParts([sheetXml(''), sheetXml('<row r="1"><c r="A1"><v>2</v></c></row>')], {
        'xl/_rels/workbook.xml.rels': rels,
      });
      expect(await ourRows(handWritten(parts))).toEqual([{ rowNumber: 1, values: ['2'] }]);
    });
  });

  describe('unreadable files', () => {
    let big: string;
    beforeAll(async () => {
      big = fileIn();
      const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: big, useSharedStrings: false });
      const sheet = workbook.addWorksheet('only');
      for (let i = 0; i < 20_000; i++) sheet.addRow([i, `text ${i} 文字`, i / 7]).commit();
      await workbook.commit();
    });

    const rejects = (path: string, message: RegExp): Promise<void> =>
      expect(ourRows(path)).rejects.toMatchObject({
        name: UnreadableFileError.name,
        message: expect.stringMatching(message),
      });

    it('rejects a zip without xl/workbook.xml', async () => {
      await rejects(handWritten([{ name: 'word/document.xml', content: '<w/>' }]), /not an Excel workbook/);
    });

    it('rejects a workbook without sheets', async () => {
      await rejects(handWritten(workbookParts([])), /the workbook has no sheet/);
    });

    it.each([
      ['truncated', (bytes: Buffer) => bytes.subarray(0, Math.floor(bytes.length * 0.7))],
      ['cut before its end record', (bytes: Buffer) => bytes.subarray(0, bytes.length - 10)],
    ])('rejects a %s file', async (_, cut) => {
      const path = fileIn();
      writeFileSync(path, cut(readFileSync(big)));
      await rejects(path, /corrupt or truncated xlsx \(zip\)/);
    });

    it('rejects corrupt compressed sheet data', async () => {
      const bytes = Buffer.from(readFileSync(big));
      const middle = Math.floor(bytes.length * 0.4);
      for (let i = middle; i < middle + 64; i++) bytes[i] ^= 0x5a;
      const path = fileIn();
      writeFileSync(path, bytes);
      // Garbled deflate data mostly still inflates: to malformed XML, or else to text the CRC check rejects.
      await rejects(path, /corrupt or truncated xlsx \(zip\): xl\/worksheets\/sheet1\.xml|malformed sheet XML/);
    });

    it('rejects corrupt compressed shared strings when opening', async () => {
      const path = handWritten(workbookParts([sheetXml('')], { 'xl/sharedStrings.xml': '<sst/>' }));
      const bytes = readFileSync(path);
      const at = bytes.indexOf('xl/sharedStrings.xml') + 'xl/sharedStrings.xml'.length;
      bytes.fill(0xff, at, at + 4);
      writeFileSync(path, bytes);
      await expect(openXlsxSheet(path)).rejects.toThrow(/corrupt or truncated xlsx \(zip\): xl\/sharedStrings\.xml/);
    });

    it('rejects sheet XML that ends inside its rows', async () => {
      const parts = workbookParts([
        '<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2">',
      ]);
      await rejects(handWritten(parts), /the sheet ends inside its rows/);
    });

    it('rejects a malformed cell', async () => {
      await rejects(
        handWritten(workbookParts([sheetXml('<row r="2"><c r="A2"><v>1</c></row>')])),
        /malformed sheet XML in row 2/,
      );
    });

    it('rejects an unsupported compression method', async () => {
      const parts = workbookParts([sheetXml('')]).map((part) =>
        part.name.startsWith('xl/worksheets') ? { ...part, method: 12 } : part,
      );
      await rejects(handWritten(parts), /compression method 12/);
    });

    it('reports through openXlsxSource with the UnreadableFileError type', async () => {
      await expect(openXlsxSource(handWritten(workbookParts([])), 1)).rejects.toBeInstanceOf(UnreadableFileError);
    });
  });

  describe('progress and release', () => {
    let big: string;
    beforeAll(async () => {
      big = fileIn();
      const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: big, useSharedStrings: true });
      const sheet = workbook.addWorksheet('only');
      for (let i = 0; i < 60_000; i++) sheet.addRow([i, `text ${i % 500}`, i / 7, i * 3]).commit();
      await workbook.commit();
    });

    it('counts the compressed bytes read, up to about the file size', async () => {
      const sheet = await openXlsxSheet(big);
      const seen: number[] = [sheet.bytesRead()];
      for await (const batch of sheet.batches) if (batch.length) seen.push(sheet.bytesRead());
      const size = statSync(big).size;
      expect(seen[0]).toBeGreaterThan(0); // the shared strings
      expect(seen[seen.length - 1]).toBeGreaterThan(size * 0.9);
      expect(seen[seen.length - 1]).toBeLessThanOrEqual(size);
      expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    });

    it('stops reading and closes the file when closed part-way', async () => {
      const before = openFds();
      for (let i = 0; i < 20; i++) {
        const source = await openXlsxSource(big, 1);
        let rows = 0;
        for await (const row of source.rows) if (++rows === 1000 || !row) break;
        const read = source.bytesRead();
        await source.close();
        expect(source.bytesRead()).toBe(read);
        expect(read).toBeLessThan(statSync(big).size / 2);
      }
      expect(openFds()).toBeLessThanOrEqual(before + 2);
    });

    it('closes the file when closed before reading rows', async () => {
      const before = openFds();
      for (let i = 0; i < 20; i++) await (await openXlsxSource(big, 1)).close();
      expect(openFds()).toBeLessThanOrEqual(before + 2);
    });
  });
});

/** Column letters: 1 → A, 28 → AB. */
function column(n: number): string {
  const high = Math.floor((n - 1) / 26);
  return (high ? String.fromCharCode(64 + high) : '') + String.fromCharCode(65 + ((n - 1) % 26));
}
