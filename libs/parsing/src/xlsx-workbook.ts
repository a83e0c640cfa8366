import { UnreadableFileError } from './unreadable-file.error';
import { isDateFormatId } from './xlsx-cell';
import { readSharedStrings } from './xlsx-shared-strings';
import type { SheetContext } from './xlsx-sheet-scanner';
import { attributesOf, elementContent, forEachTag } from './xml-text';
import type { ZipDirectory, ZipEntry } from './zip-directory';
import { EntryReader, readWholeEntry } from './zip-entry';

export interface XlsxWorkbook extends SheetContext {
  /** The first worksheet's zip entry. */
  sheet: ZipEntry;
}

const WORKBOOK = 'xl/workbook.xml';
const WORKBOOK_RELS = 'xl/_rels/workbook.xml.rels';
const STYLES = 'xl/styles.xml';
const SHARED_STRINGS = 'xl/sharedStrings.xml';
const WORKSHEET = /^xl\/worksheets\/sheet(\d+)\.xml$/;

/** The first worksheet and what its cells need: shared strings, date styles, the date system. */
export async function readWorkbook(reader: EntryReader, directory: ZipDirectory): Promise<XlsxWorkbook> {
  const find = entryFinder(directory.entries);
  const workbookEntry = find(WORKBOOK);
  if (!workbookEntry) throw new UnreadableFileError('not an Excel workbook: no xl/workbook.xml');
  const workbook = parseWorkbook(await readText(reader, workbookEntry));
  const relsEntry = find(WORKBOOK_RELS);
  const rels = relsEntry ? parseRelationships(await readText(reader, relsEntry)) : new Map<string, Relationship>();
  const sheet = firstSheet(workbook.sheetRelIds, rels, find) ?? lowestNumberedSheet(directory.entries);
  if (!sheet) throw new UnreadableFileError('the workbook has no sheet');
  const stylesEntry = find(STYLES);
  const stringsEntry = find(SHARED_STRINGS);
  return {
    sheet,
    date1904: workbook.date1904,
    dateStyles: stylesEntry ? parseDateStyles(await readText(reader, stylesEntry)) : [],
    sharedStrings: stringsEntry ? await readSharedStrings(reader, stringsEntry) : [],
  };
}

interface Relationship {
  target: string;
  type: string;
}

/** `<sheet>` relationship ids in workbook order; date1904 from `<workbookPr>` ("1" or "true"). */
export function parseWorkbook(xml: string): { sheetRelIds: string[]; date1904: boolean } {
  let date1904 = false;
  forEachTag(xml, 'workbookPr', (nameEnd, tagEnd) => {
    const value = attributesOf(xml, nameEnd, tagEnd).get('date1904');
    date1904 = value === '1' || value === 'true';
  });
  const sheetRelIds: string[] = [];
  const sheets = elementContent(xml, 'sheets');
  if (sheets) {
    forEachTag(
      xml,
      'sheet',
      (nameEnd, tagEnd) => {
        // The relationship id is r:id, whatever prefix the officeDocument relationships namespace got.
        for (const [name, value] of attributesOf(xml, nameEnd, tagEnd)) {
          if (name.endsWith(':id')) sheetRelIds.push(value);
        }
      },
      sheets.start,
      sheets.end,
    );
  }
  return { sheetRelIds, date1904 };
}

export function parseRelationships(xml: string): Map<string, Relationship> {
  const rels = new Map<string, Relationship>();
  forEachTag(xml, 'Relationship', (nameEnd, tagEnd) => {
    const attributes = attributesOf(xml, nameEnd, tagEnd);
    const id = attributes.get('Id');
    const target = attributes.get('Target');
    if (id && target && attributes.get('TargetMode') !== 'External') {
      rels.set(id, { target: partName(target), type: attributes.get('Type') ?? '' });
    }
  });
  return rels;
}

/**
 * Per `<cellXfs>` `<xf>`, in order, whether its number format is a date — custom `<numFmt>` codes first,
 * then the built-in ids — as ExcelJS decides it.
 */
export function parseDateStyles(xml: string): boolean[] {
  const custom = new Map<number, string>();
  const numFmts = elementContent(xml, 'numFmts');
  if (numFmts) {
    forEachTag(
      xml,
      'numFmt',
      (nameEnd, tagEnd) => {
        const attributes = attributesOf(xml, nameEnd, tagEnd);
        custom.set(parseInt(attributes.get('numFmtId') ?? '', 10), attributes.get('formatCode') ?? '');
      },
      numFmts.start,
      numFmts.end,
    );
  }
  const dates: boolean[] = [];
  const cellXfs = elementContent(xml, 'cellXfs');
  if (cellXfs) {
    forEachTag(
      xml,
      'xf',
      (nameEnd, tagEnd) => {
        const numFmtId = parseInt(attributesOf(xml, nameEnd, tagEnd).get('numFmtId') ?? '', 10);
        dates.push(isDateFormatId(numFmtId, custom));
      },
      cellXfs.start,
      cellXfs.end,
    );
  }
  return dates;
}

/** The workbook's first `<sheet>` that is a worksheet present in the zip (not a chart sheet). */
function firstSheet(
  relIds: string[],
  rels: Map<string, Relationship>,
  find: (name: string) => ZipEntry | undefined,
): ZipEntry | undefined {
  for (const id of relIds) {
    const rel = rels.get(id);
    const entry = rel && rel.type.endsWith('/worksheet') ? find(rel.target) : undefined;
    if (entry) return entry;
  }
  return undefined;
}

/** Without a usable workbook.xml or its relationships: xl/worksheets/sheetN.xml with the lowest N. */
function lowestNumberedSheet(entries: ZipEntry[]): ZipEntry | undefined {
  let first: { entry: ZipEntry; number: number } | undefined;
  for (const entry of entries) {
    const number = Number(WORKSHEET.exec(entry.name)?.[1] ?? NaN);
    if (number >= 0 && (!first || number < first.number)) first = { entry, number };
  }
  return first?.entry;
}

/** A relationship target as a zip entry name: relative to xl/, or absolute from the package root. */
function partName(target: string): string {
  const path = target.startsWith('/') ? target.slice(1) : `xl/${target}`;
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '..') parts.pop();
    else if (part && part !== '.') parts.push(part);
  }
  return parts.join('/');
}

/** Part names are case-insensitive in a package; most lookups hit the exact name. */
function entryFinder(entries: ZipEntry[]): (name: string) => ZipEntry | undefined {
  const exact = new Map(entries.map((entry) => [entry.name, entry]));
  const folded = new Map(entries.map((entry) => [entry.name.toLowerCase(), entry]));
  return (name) => exact.get(name) ?? folded.get(name.toLowerCase());
}

async function readText(reader: EntryReader, entry: ZipEntry): Promise<string> {
  return (await readWholeEntry(reader, entry)).toString('utf8');
}
