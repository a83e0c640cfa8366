import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exceljsSheetRows } from '../test/exceljs-xlsx-source';
import { ZipPart, relsXml, sheetXml, workbookParts, workbookXml, writeZip } from '../test/zip-writer';
import { UnreadableFileError } from './unreadable-file.error';
import { openXlsxSheet } from './xlsx-source';

/** Workbook layouts and XML forms written by tools other than Excel, LibreOffice and ExcelJS. */
let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'xlsx-layouts-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function book(parts: ZipPart[]): string {
  const path = join(dir, `layout-${++files}.xlsx`);
  writeZip(path, parts);
  return path;
}

async function values(path: string): Promise<string[][]> {
  const sheet = await openXlsxSheet(path);
  const rows: string[][] = [];
  for await (const batch of sheet.batches) rows.push(...batch.map((row) => row.values));
  return rows;
}

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const STRICT_MAIN = 'http://purl.oclc.org/ooxml/spreadsheetml/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const STRICT_REL = 'http://purl.oclc.org/ooxml/officeDocument/relationships';
const PKG_REL = 'http://schemas.openxmlformats.org/package/2006/relationships';
const MC = 'http://schemas.openxmlformats.org/markup-compatibility/2006';
const X14 = 'http://schemas.microsoft.com/office/spreadsheetml/2009/9/main';

const ROWS = '<row r="1"><c r="A1" t="inlineStr"><is><t>sku</t></is></c><c r="B1"><v>2</v></c></row>';
const rels = (items: [id: string, type: string, target: string][], ns = PKG_REL): string =>
  `<?xml version="1.0"?><Relationships xmlns="${ns}">${items
    .map(([id, type, target]) => `<Relationship Id="${id}" Type="${type}" Target="${target}"/>`)
    .join('')}</Relationships>`;
const packageRels = (target: string, relNs = REL): string => rels([['rId1', `${relNs}/officeDocument`, target]]);

describe('XLSX workbook layouts', () => {
  it('finds the workbook part through _rels/.rels when it is not xl/workbook.xml', async () => {
    const path = book([
      { name: '_rels/.rels', content: packageRels('book/main.xml') },
      { name: 'book/main.xml', content: workbookXml(1) },
      { name: 'book/_rels/main.xml.rels', content: relsXml(1, () => 'sheets/first.xml') },
      { name: 'book/sheets/first.xml', content: sheetXml(ROWS) },
    ]);
    expect(await values(path)).toEqual([['sku', '2']]);
  });

  it('resolves absolute sheet targets from the package root', async () => {
    const path = book(
      workbookParts([sheetXml(ROWS)], {
        '_rels/.rels': packageRels('/xl/workbook.xml'),
        'xl/_rels/workbook.xml.rels': relsXml(1, () => '/xl/worksheets/sheet1.xml'),
      }),
    );
    expect(await values(path)).toEqual([['sku', '2']]);
  });

  it('reads Strict OOXML (purl.oclc.org namespaces)', async () => {
    const strictSheet = `<worksheet xmlns="${STRICT_MAIN}"><sheetData>${ROWS}</sheetData></worksheet>`;
    const path = book([
      { name: '_rels/.rels', content: packageRels('xl/workbook.xml', STRICT_REL) },
      {
        name: 'xl/workbook.xml',
        content: `<workbook xmlns="${STRICT_MAIN}" xmlns:r="${STRICT_REL}"><sheets><sheet name="A" sheetId="1" r:id="rId1"/></sheets></workbook>`,
      },
      {
        name: 'xl/_rels/workbook.xml.rels',
        content: rels([['rId1', `${STRICT_REL}/worksheet`, 'worksheets/sheet1.xml']]),
      },
      { name: 'xl/worksheets/sheet1.xml', content: strictSheet },
    ]);
    expect(await values(path)).toEqual([['sku', '2']]);
  });

  it('opens a workbook whose .rels parts have a wrong CRC (structure parts are not CRC-checked)', async () => {
    const parts = workbookParts([sheetXml(ROWS)], { '_rels/.rels': packageRels('xl/workbook.xml') }).map((part) =>
      part.name.endsWith('.rels') ? { ...part, badCrc: true } : part,
    );
    expect(await values(book(parts))).toEqual([['sku', '2']]);
  });

  it('still refuses sheet data with a wrong CRC', async () => {
    const parts = workbookParts([sheetXml(ROWS)]).map((part) =>
      part.name.includes('worksheets/') ? { ...part, badCrc: true } : part,
    );
    await expect(values(book(parts))).rejects.toThrow(/CRC mismatch/);
  });

  it('reads the first visible worksheet, skipping chart sheets, dialog sheets and hidden sheets', async () => {
    const workbook =
      `<workbook xmlns="${MAIN}" xmlns:r="${REL}"><sheets>` +
      '<sheet name="Chart" sheetId="1" r:id="rId1"/><sheet name="Dialog" sheetId="2" r:id="rId2"/>' +
      '<sheet name="Lookup" sheetId="3" state="hidden" r:id="rId3"/><sheet name="Data" sheetId="4" r:id="rId4"/>' +
      '</sheets></workbook>';
    const path = book([
      { name: 'xl/workbook.xml', content: workbook },
      {
        name: 'xl/_rels/workbook.xml.rels',
        content: rels([
          ['rId1', `${REL}/chartsheet`, 'chartsheets/sheet1.xml'],
          ['rId2', `${REL}/dialogsheet`, 'dialogsheets/sheet1.xml'],
          ['rId3', `${REL}/worksheet`, 'worksheets/sheet1.xml'],
          ['rId4', `${REL}/worksheet`, 'worksheets/sheet2.xml'],
        ]),
      },
      { name: 'xl/chartsheets/sheet1.xml', content: `<chartsheet xmlns="${MAIN}"/>` },
      { name: 'xl/dialogsheets/sheet1.xml', content: sheetXml('<row r="1"><c><v>9</v></c></row>') },
      { name: 'xl/worksheets/sheet1.xml', content: sheetXml('<row r="1"><c><v>1</v></c></row>') },
      { name: 'xl/worksheets/sheet2.xml', content: sheetXml(ROWS) },
    ]);
    expect(await values(path)).toEqual([['sku', '2']]);
  });

  it('reads the first worksheet when every worksheet is hidden', async () => {
    const workbook = `<workbook xmlns="${MAIN}" xmlns:r="${REL}"><sheets><sheet name="A" sheetId="1" state="veryHidden" r:id="rId1"/></sheets></workbook>`;
    expect(await values(book(workbookParts([sheetXml(ROWS)], { 'xl/workbook.xml': workbook })))).toEqual([
      ['sku', '2'],
    ]);
  });

  it('reads XML whose elements carry a namespace prefix (.NET writers), shared strings included', async () => {
    const sheet =
      `<?xml version="1.0"?><x:worksheet xmlns:x="${MAIN}"><x:sheetData>` +
      '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="inlineStr"><x:is><x:t>in</x:t></x:is></x:c></x:row>' +
      '<x:row r="2"><x:c r="A2"><x:v>1.5</x:v></x:c><x:c r="B2" t="s"><x:v>1</x:v></x:c></x:row>' +
      '</x:sheetData></x:worksheet>';
    const strings = `<x:sst xmlns:x="${MAIN}"><x:si><x:t>name</x:t></x:si><x:si><x:r><x:t>ri</x:t></x:r><x:r><x:t>ch</x:t></x:r></x:si></x:sst>`;
    const workbook = `<x:workbook xmlns:x="${MAIN}" xmlns:r="${REL}"><x:sheets><x:sheet name="A" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>`;
    const workbookRels =
      `<p:Relationships xmlns:p="${PKG_REL}">` +
      `<p:Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/>` +
      `<p:Relationship Id="rId2" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/></p:Relationships>`;
    const path = book(
      workbookParts([sheet], {
        'xl/workbook.xml': workbook,
        'xl/_rels/workbook.xml.rels': workbookRels,
        'xl/sharedStrings.xml': strings,
      }),
    );
    expect(await values(path)).toEqual([
      ['name', 'in'],
      ['1.5', 'rich'],
    ]);
  });

  it('takes one branch of mc:AlternateContent: the Choice Excel understands, else the Fallback', async () => {
    const sheet =
      `<worksheet xmlns="${MAIN}" xmlns:mc="${MC}" xmlns:x14="${X14}" xmlns:zz="urn:unknown"><sheetData>` +
      '<row r="1"><mc:AlternateContent><mc:Choice Requires="x14"><c r="A1" t="inlineStr"><is><t>choice</t></is></c></mc:Choice>' +
      '<mc:Fallback><c r="A1" t="inlineStr"><is><t>fallback</t></is></c></mc:Fallback></mc:AlternateContent>' +
      '<mc:AlternateContent><mc:Choice Requires="zz"><c r="B1"><v>1</v></c></mc:Choice>' +
      '<mc:Fallback><c r="B1"><v>2</v></c></mc:Fallback></mc:AlternateContent></row>' +
      '</sheetData></worksheet>';
    const strings =
      `<sst xmlns="${MAIN}" xmlns:mc="${MC}"><si><mc:AlternateContent><mc:Choice Requires="zz" xmlns:zz="urn:z"><t>new</t></mc:Choice>` +
      '<mc:Fallback><t>old</t></mc:Fallback></mc:AlternateContent></si></sst>';
    const path = book(
      workbookParts([sheet.replace('</row>', '<c r="C1" t="s"><v>0</v></c></row>')], {
        'xl/sharedStrings.xml': strings,
      }),
    );
    expect(await values(path)).toEqual([['choice', '2', 'old']]);
  });

  it('reads CDATA sections in inline strings, shared strings and values as their text', async () => {
    const sheet = sheetXml(
      '<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[a <b> & c]]></t></is></c>' +
        '<c r="B1" t="s"><v>0</v></c><c r="C1" t="str"><v><![CDATA[x&amp;y]]></v></c></row>',
    );
    const path = book(
      workbookParts([sheet], {
        'xl/sharedStrings.xml': `<sst xmlns="${MAIN}"><si><t><![CDATA[<shared>]]></t></si></sst>`,
      }),
    );
    expect(await values(path)).toEqual([['a <b> & c', '<shared>', 'x&amp;y']]);
  });

  it('keeps reading prefixed XML cut into chunks anywhere (32 KiB parts)', async () => {
    const row = (n: number): string =>
      `<x:row r="${n}"><x:c r="A${n}" t="inlineStr"><x:is><x:t>v${n}</x:t></x:is></x:c><x:c r="B${n}"><x:v>${n}</x:v></x:c></x:row>`;
    const rows = Array.from({ length: 3000 }, (_, i) => row(i + 1)).join('');
    const sheet = `<x:worksheet xmlns:x="${MAIN}"><x:sheetData>${rows}</x:sheetData></x:worksheet>`;
    const read = await values(book(workbookParts([sheet])));
    expect(read).toHaveLength(3000);
    expect(read[2999]).toEqual(['v3000', '3000']);
    expect(read.every((values, i) => values[0] === `v${i + 1}` && values[1] === String(i + 1))).toBe(true);
  });

  it('refuses a package without any workbook part with UnreadableFileError', async () => {
    const path = book([{ name: '_rels/.rels', content: packageRels('nowhere.xml') }]);
    await expect(values(path)).rejects.toBeInstanceOf(UnreadableFileError);
  });

  it('agrees with ExcelJS on an ordinary layout read through _rels/.rels', async () => {
    const path = book(workbookParts([sheetXml(ROWS)], { '_rels/.rels': packageRels('xl/workbook.xml') }));
    expect((await exceljsSheetRows(path)).map((row) => row.values)).toEqual(await values(path));
  });
});
