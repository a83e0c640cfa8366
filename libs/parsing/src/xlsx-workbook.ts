import { DEFAULT_READ_LIMITS, ReadLimits } from './read-limits';
import { UnreadableFileError } from './unreadable-file.error';
import { isDateFormatId } from './xlsx-cell';
import { readSharedStrings } from './xlsx-shared-strings';
import type { SheetContext } from './xlsx-sheet-scanner';
import { XmlNormaliser } from './xml-normaliser';
import { attributesOf, elementContent, forEachTag } from './xml-text';
import type { ZipDirectory, ZipEntry } from './zip-directory';
import { EntryReader, readWholeEntry } from './zip-entry';

export interface XlsxWorkbook extends SheetContext {
  /** The first worksheet's zip entry. */
  sheet: ZipEntry;
}

const PACKAGE_RELS = '_rels/.rels';
const DEFAULT_WORKBOOK = 'xl/workbook.xml';
const WORKSHEET = /^xl\/worksheets\/sheet(\d+)\.xml$/;

/**
 * The first worksheet and what its cells need: shared strings, date styles, the date system.
 * The workbook part is the package's officeDocument relationship (`_rels/.rels`; Transitional or Strict),
 * xl/workbook.xml without one; its sheets, styles and shared strings come from its own relationships, with
 * targets relative to the workbook's folder or absolute. The sheet read is the first in tab order that is a
 * worksheet (chart, dialog and macro sheets skipped) and not hidden — what Excel shows as the first tab —
 * or the first worksheet when every one is hidden. CRCs are checked on the parts rows come from (sheet,
 * shared strings), not on these structure parts, whose XML tells on its own whether it is whole: a workbook
 * whose .rels has a wrong CRC opens in Excel and LibreOffice, and here.
 */
export async function readWorkbook(
  reader: EntryReader,
  directory: ZipDirectory,
  limits: ReadLimits = DEFAULT_READ_LIMITS,
): Promise<XlsxWorkbook> {
  const find = entryFinder(directory.entries);
  const packageRels = find(PACKAGE_RELS);
  const officeDocument = packageRels
    ? [...parseRelationships(await readText(reader, packageRels), '').values()].find((rel) =>
        rel.type.endsWith('/officeDocument'),
      )
    : undefined;
  const workbookName = officeDocument && find(officeDocument.target) ? officeDocument.target : DEFAULT_WORKBOOK;
  const workbookEntry = find(workbookName);
  if (!workbookEntry) throw new UnreadableFileError('not an Excel workbook: no workbook part');
  const workbook = parseWorkbook(await readText(reader, workbookEntry));
  const folder = workbookEntry.name.includes('/')
    ? workbookEntry.name.slice(0, workbookEntry.name.lastIndexOf('/'))
    : '';
  const relsEntry = find(relsPartOf(workbookEntry.name));
  const rels = relsEntry
    ? parseRelationships(await readText(reader, relsEntry), folder)
    : new Map<string, Relationship>();
  const sheet = firstSheet(workbook.sheets, rels, find) ?? lowestNumberedSheet(directory.entries);
  if (!sheet) throw new UnreadableFileError('the workbook has no sheet');
  const related = (type: string, fallback: string): ZipEntry | undefined => {
    const rel = [...rels.values()].find((r) => r.type.endsWith(type));
    return (rel && find(rel.target)) ?? find(`${folder ? `${folder}/` : ''}${fallback}`);
  };
  const stylesEntry = related('/styles', 'styles.xml');
  const stringsEntry = related('/sharedStrings', 'sharedStrings.xml');
  return {
    sheet,
    date1904: workbook.date1904,
    dateStyles: stylesEntry ? parseDateStyles(await readText(reader, stylesEntry)) : [],
    sharedStrings: stringsEntry ? await readSharedStrings(reader, stringsEntry, limits) : [],
  };
}

/** The relationships part of a part: `xl/workbook.xml` → `xl/_rels/workbook.xml.rels`. */
function relsPartOf(name: string): string {
  const slash = name.lastIndexOf('/');
  return `${name.slice(0, slash + 1)}_rels/${name.slice(slash + 1)}.rels`;
}

interface Relationship {
  target: string;
  type: string;
}

interface SheetRef {
  relId: string;
  hidden: boolean;
}

/** `<sheet>`s in tab order (relationship id, hidden or not); date1904 from `<workbookPr>` ("1" or "true"). */
function parseWorkbook(text: string): { sheets: SheetRef[]; date1904: boolean } {
  const xml = normalised(text);
  let date1904 = false;
  forEachTag(xml, 'workbookPr', (nameEnd, tagEnd) => {
    const value = attributesOf(xml, nameEnd, tagEnd).get('date1904');
    date1904 = value === '1' || value === 'true';
  });
  const sheets: SheetRef[] = [];
  const list = elementContent(xml, 'sheets');
  if (list) {
    forEachTag(
      xml,
      'sheet',
      (nameEnd, tagEnd) => {
        // The relationship id is r:id, whatever prefix the officeDocument relationships namespace got.
        const attributes = attributesOf(xml, nameEnd, tagEnd);
        const state = attributes.get('state');
        for (const [name, value] of attributes) {
          if (name.endsWith(':id')) sheets.push({ relId: value, hidden: state === 'hidden' || state === 'veryHidden' });
        }
      },
      list.start,
      list.end,
    );
  }
  return { sheets, date1904 };
}

/** Relationships by id, targets as zip entry names (`base`: the folder of the part they belong to). */
function parseRelationships(text: string, base = 'xl'): Map<string, Relationship> {
  const xml = normalised(text);
  const rels = new Map<string, Relationship>();
  forEachTag(xml, 'Relationship', (nameEnd, tagEnd) => {
    const attributes = attributesOf(xml, nameEnd, tagEnd);
    const id = attributes.get('Id');
    const target = attributes.get('Target');
    if (id && target && attributes.get('TargetMode') !== 'External') {
      rels.set(id, { target: partName(target, base), type: attributes.get('Type') ?? '' });
    }
  });
  return rels;
}

/**
 * Per `<cellXfs>` `<xf>`, in order, whether its number format is a date — custom `<numFmt>` codes first,
 * then the built-in ids — as ExcelJS decides it.
 */
function parseDateStyles(text: string): boolean[] {
  const xml = normalised(text);
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

/** The first visible worksheet present in the zip (chart, dialog and macro sheets skipped), else the first. */
function firstSheet(
  sheets: SheetRef[],
  rels: Map<string, Relationship>,
  find: (name: string) => ZipEntry | undefined,
): ZipEntry | undefined {
  let firstHidden: ZipEntry | undefined;
  for (const { relId, hidden } of sheets) {
    const rel = rels.get(relId);
    const entry = rel && rel.type.endsWith('/worksheet') ? find(rel.target) : undefined;
    if (entry && !hidden) return entry;
    firstHidden ??= entry;
  }
  return firstHidden;
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

/** A relationship target as a zip entry name: relative to `base`, or absolute from the package root. */
function partName(target: string, base: string): string {
  const path = target.startsWith('/') ? target.slice(1) : base ? `${base}/${target}` : target;
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
  return (await readWholeEntry(reader, entry, false)).toString('utf8');
}

/** A structure part without namespace prefixes and with one branch of each mc:AlternateContent. */
function normalised(xml: string): string {
  return new XmlNormaliser().end(xml);
}
