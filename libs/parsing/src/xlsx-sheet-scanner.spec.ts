import type { SheetRow } from './row-source.types';
import { SharedStringsScanner } from './xlsx-shared-strings';
import { SheetContext, SheetScanner } from './xlsx-sheet-scanner';

const CONTEXT: SheetContext = {
  sharedStrings: ['zero', 'one 一', null, '😀 two'],
  dateStyles: [false, true, false],
  date1904: false,
};

const ROWS =
  '<row r="1" spans="1:4"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="D1" t="s"><v>3</v></c></row>' +
  '<row r="2"/>' +
  "<row r='3'><c r='A3' s='1'><v>46329.5</v></c><c r='B3'><v>0.30000000000000004</v></c><c r='C3' t='b'><v>1</v></c></row>" +
  '<row r="4"><c r="A4" t="inlineStr"><is><t xml:space="preserve"> 中文 &amp; 😀 </t></is></c><c r="B4" t="e"><v>#N/A</v></c></row>' +
  '<row r="5"><c r="A5" t="s"><v>2</v></c><c r="B5" s="2"/></row>' +
  '<row r="6"><c r="B6"><f>A6*2</f><v>4</v></c><c r="C6" t="str"><f>X</f><v>a&lt;b</v></c></row>' +
  '<row r="7" s="1" customFormat="1"><c r="A7" t="b"><f>TRUE()</f><v>1</v></c><c r="B7" s="1"><f>TODAY()</f><v>46329</v></c>' +
  '<c r="C7"><f>B7-B7</f><v>0</v></c><c r="D7" t="e"><f>1/0</f><v>#DIV/0!</v></c>' +
  '<c r="E7" t="str"><f>X</f><v>a_x000D_b &amp;amp;</v></c><c r="F7"><v>46329</v></c></row>' +
  '<row r="8"><c r="A8" t="d"><v>2026-11-03T10:00:00Z</v></c><c r="B8" t="b"><v></v></c><c r="C8" t="b"><v>0</v></c>' +
  '<c r="D8" t="d"><v> soon </v></c><c r="E8" t="inlineStr"><is><t>nul&#0; _x0000_ &#xD83D;</t></is></c></row>';

const EXPECTED: SheetRow[] = [
  { rowNumber: 1, values: ['zero', 'one 一', '', '😀 two'] },
  { rowNumber: 3, values: ['2026-11-03 12:00:00', '0.3', 'true'] },
  { rowNumber: 4, values: ['中文 & 😀', '#N/A'] },
  { rowNumber: 6, values: ['', '4', 'a<b'] },
  { rowNumber: 7, values: ['true', '2026-11-03', '0', '#DIV/0!', 'a\rb &amp;', '46329'] },
  // Characters PostgreSQL cannot store are read as they are: RowPreparer quarantines their row.
  { rowNumber: 8, values: ['2026-11-03 10:00:00', '', 'false', 'soon', 'nul\0 \0 \ud83d'] },
];

function sheet(rows: string): string {
  return `<?xml version="1.0"?><worksheet><dimension ref="A1:D6"/><sheetData>${rows}</sheetData><mergeCells/></worksheet>`;
}

function scan(pieces: string[]): SheetRow[] {
  const scanner = new SheetScanner(CONTEXT);
  const rows: SheetRow[] = [];
  for (const piece of pieces) scanner.push(piece, rows);
  scanner.end('', rows);
  return rows;
}

describe(SheetScanner.name, () => {
  const xml = sheet(ROWS);

  it("reads cells by type, the cell's own style and column; formula results as cells of their type", () => {
    expect(scan([xml])).toEqual(EXPECTED);
  });

  it('gives the same rows wherever the text is cut into two chunks', () => {
    for (let cut = 0; cut <= xml.length; cut++) {
      expect({ cut, rows: scan([xml.slice(0, cut), xml.slice(cut)]) }).toEqual({ cut, rows: EXPECTED });
    }
  });

  it('gives the same rows one character at a time', () => {
    expect(scan([...xml])).toEqual(EXPECTED);
  });

  it('carries over no more than the row not yet complete', () => {
    const many = Array.from({ length: 2000 }, (_, i) => `<row r="${i + 1}"><c r="A${i + 1}"><v>${i}</v></c></row>`);
    const text = sheet(many.join(''));
    const scanner = new SheetScanner(CONTEXT);
    const rows: SheetRow[] = [];
    let carried = 0;
    for (let at = 0; at < text.length; at += 1000) {
      scanner.push(text.slice(at, at + 1000), rows);
      carried = Math.max(carried, (scanner as unknown as { pending: string }).pending.length);
    }
    scanner.end('', rows);
    expect(rows).toHaveLength(2000);
    expect(carried).toBeLessThanOrEqual(Math.max(...many.map((row) => row.length)));
  });

  it('reads nothing from a sheet without rows', () => {
    expect(scan(['<worksheet><sheetData/></worksheet>'])).toEqual([]);
    expect(scan(['<worksheet><dimension ref="A1"/></worksheet>'])).toEqual([]);
  });
});

describe(SharedStringsScanner.name, () => {
  const xml =
    '<?xml version="1.0"?><sst count="5" uniqueCount="5"><si><t>plain</t></si><si><t xml:space="preserve"> padded </t></si>' +
    '<si><r><rPr><b/></rPr><t>rich </t></r><r><t>text</t></r></si><si><t/></si><si/>' +
    '<si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="1"/></si>' +
    '<si><t>&lt;&amp;&gt; &#x1F600; &#20013;</t></si><si><r><t></t></r></si><si><t>a_x000D_b _x005F_x0041_</t></si></sst>';
  const expected = ['plain', 'padded', 'rich text', null, null, '東京', '<&> 😀 中', '', 'a\rb _x0041_'];

  it('reads each item, phonetic runs left out, _xHHHH_ escapes decoded, wherever the text is cut', () => {
    for (let cut = 0; cut <= xml.length; cut++) {
      const scanner = new SharedStringsScanner();
      scanner.push(xml.slice(0, cut));
      scanner.push(xml.slice(cut));
      expect({ cut, strings: scanner.strings }).toEqual({ cut, strings: expected });
    }
  });
});
