import type { SheetRow } from './row-source.types';
import { DEFAULT_READ_LIMITS, ReadLimits, overLimit } from './read-limits';
import { UnreadableFileError } from './unreadable-file.error';
import { isoDateText, isPlainNumber, numberText, serialDateText } from './xlsx-cell';
import { stringItemText } from './xlsx-shared-strings';
import { isNameEnd, xmlText, xstringText } from './xml-text';

/** What a sheet's cells refer to, from the workbook's other parts. */
export interface SheetContext {
  /** Trimmed; null for an `<si>` without text, as ExcelJS has it. */
  sharedStrings: readonly (string | null)[];
  /** Per cellXfs index: whether its number format is a date. */
  dateStyles: readonly boolean[];
  date1904: boolean;
}

// Cell types (the `t` attribute).
const NUMBER = 0; // no t, 'n' or anything unknown: parseFloat, a date when the style says so
const SHARED = 1; // 's'
const STRING = 2; // 'str', 'inlineStr'
const ERROR = 3; // 'e'
const BOOLEAN = 4; // 'b'
const DATE = 5; // 'd': ISO 8601 text

// Character codes.
const GT = 62;
const SLASH = 47;
const C = 99;
const F = 102;
const I = 105;
const R = 114;
const S = 115;
const T = 116;
const V = 118;

const SHEET_DATA = '<sheetData';

/**
 * Turns a worksheet's XML, chunk by chunk, into the rows ExcelJS's streaming reader gave (see cellText in
 * libs/parsing/test/exceljs-xlsx-source.ts) but where ExcelJS lost or changed what the sheet shows (see cellText
 * below): cell texts by column position (gaps ''), trimmed, all-empty rows left out. A scan with indexOf over
 * the text, no XML parser and no per-cell objects; only the part of the last row not yet complete is carried
 * to the next chunk.
 */
export class SheetScanner {
  private pending = '';
  private phase: 'before' | 'rows' | 'after' = 'before';
  private lastRow = 0;
  private rowCount = 0;

  constructor(
    private readonly context: SheetContext,
    private readonly limits: ReadLimits = DEFAULT_READ_LIMITS,
  ) {}

  /** Adds the rows that `text` completes to `rows`. */
  push(text: string, rows: SheetRow[]): void {
    this.scan(text, rows);
    if (this.pending.length > this.limits.maxRowChars) {
      throw overLimit('maxRowChars', this.limits.maxRowChars, `unreadable xlsx: row ${this.lastRow + 1} is too long`);
    }
  }

  private scan(text: string, rows: SheetRow[]): void {
    if (this.phase === 'after') return;
    const xml = this.pending ? this.pending + text : text;
    let at = 0;
    if (this.phase === 'before') {
      let start = xml.indexOf(SHEET_DATA);
      while (start !== -1 && !isNameEnd(xml.charCodeAt(start + SHEET_DATA.length))) {
        start = xml.indexOf(SHEET_DATA, start + 1);
      }
      if (start === -1) {
        // Keeps what may be the start of a cut-off '<sheetData'.
        this.pending = xml.slice(Math.max(0, xml.length - SHEET_DATA.length));
        return;
      }
      const tagEnd = xml.indexOf('>', start);
      if (tagEnd === -1) {
        this.pending = xml.slice(start);
        return;
      }
      this.phase = xml.charCodeAt(tagEnd - 1) === SLASH ? 'after' : 'rows';
      at = tagEnd + 1;
    }
    this.pending = '';
    while (this.phase === 'rows') {
      const lt = xml.indexOf('<', at);
      if (lt === -1) return;
      if (xml.startsWith('</sheetData', lt)) {
        this.phase = 'after';
        return;
      }
      const next =
        xml.startsWith('<row', lt) && isNameEnd(xml.charCodeAt(lt + 4)) ? this.row(xml, lt, rows) : skip(xml, lt);
      if (next === -1) {
        this.pending = xml.slice(lt);
        return;
      }
      at = next;
    }
  }

  /** The sheet's XML has ended. */
  end(text: string, rows: SheetRow[]): void {
    if (text) this.push(text, rows);
    if (this.phase === 'rows') throw new UnreadableFileError('unreadable xlsx: the sheet ends inside its rows');
  }

  /** Reads the row starting at `start`; the position after it, or -1 when it is not complete yet. */
  private row(xml: string, start: number, rows: SheetRow[]): number {
    const tagEnd = xml.indexOf('>', start);
    if (tagEnd === -1) return -1;
    const selfClosing = xml.charCodeAt(tagEnd - 1) === SLASH;
    const rowEnd = selfClosing ? tagEnd : xml.indexOf('</row>', tagEnd);
    if (rowEnd === -1) return -1;
    if (rowEnd - start > this.limits.maxRowChars) {
      throw overLimit('maxRowChars', this.limits.maxRowChars, `unreadable xlsx: row ${this.lastRow + 1} is too long`);
    }
    // Row attribute r (missing: the previous row's + 1). Its s is not read: with customFormat="1" it styles the
    // cells the row does not write; a written cell without s has style 0 (the schema's default for <c s>).
    let rowNumber = NaN;
    for (let i = start + 4; ;) {
      const name = attribute(xml, i, tagEnd);
      if (name === -1) break;
      if (attributeName(xml, name) === R) rowNumber = intValue(xml, valueStart, valueEnd);
      i = valueEnd + 1;
    }
    if (Number.isNaN(rowNumber)) rowNumber = this.lastRow + 1;
    this.lastRow = rowNumber;
    if (++this.rowCount > this.limits.maxRows) throw overLimit('maxRows', this.limits.maxRows, 'too many rows');
    if (selfClosing) return tagEnd + 1;
    const values = this.cells(xml, tagEnd + 1, rowEnd, rowNumber);
    if (values) rows.push({ rowNumber, values });
    return rowEnd + 6;
  }

  /** Whether cellXfs[style] shows a date; an unknown index does not. */
  private isDateStyle(style: number): boolean {
    const { dateStyles } = this.context;
    return style >= 0 && style < dateStyles.length && dateStyles[style];
  }

  /** Trimmed cell texts by column; undefined when all are empty. */
  private cells(xml: string, from: number, rowEnd: number, rowNumber: number): string[] | undefined {
    const values: string[] = [];
    let content = false;
    let column = 0;
    let cells = 0;
    const { maxCellsPerRow, maxColumns } = this.limits;
    for (let at = xml.indexOf('<c', from); at !== -1 && at < rowEnd; at = xml.indexOf('<c', at)) {
      if (!isNameEnd(xml.charCodeAt(at + 2))) {
        at += 2;
        continue;
      }
      const tagEnd = xml.indexOf('>', at);
      if (tagEnd === -1 || tagEnd > rowEnd) throw malformed(rowNumber, 'a cell tag not closed');
      // Cell attributes: r (reference; missing: the next column), s (style, 0 when missing), t (type).
      let ref = 0;
      let style = 0;
      let type = NUMBER;
      for (let i = at + 2; ;) {
        const name = attribute(xml, i, tagEnd);
        if (name === -1) break;
        const code = attributeName(xml, name);
        if (code === R) ref = columnOf(xml, valueStart, valueEnd);
        else if (code === S) style = intValue(xml, valueStart, valueEnd);
        else if (code === T) type = typeOf(xml, valueStart, valueEnd);
        i = valueEnd + 1;
      }
      column = ref || column + 1;
      if (column > maxColumns) throw overLimit('maxColumns', maxColumns, `row ${rowNumber} has a cell too far right`);
      if (++cells > maxCellsPerRow) throw overLimit('maxCellsPerRow', maxCellsPerRow, `row ${rowNumber}`);
      if (xml.charCodeAt(tagEnd - 1) === SLASH) {
        at = tagEnd + 1;
        continue; // no value: an empty cell
      }
      // Content: <v>, <is> (the last of them counts), <f> (its cached result is the <v>).
      let valueFrom = -1;
      let valueTo = -1;
      let inline: string | undefined;
      let formula = false; // <f>, with formula text or without (<f/>: a shared formula's followers)
      let p = tagEnd + 1;
      for (;;) {
        const lt = xml.indexOf('<', p);
        if (lt === -1 || lt >= rowEnd) throw malformed(rowNumber, 'a cell not closed');
        const first = xml.charCodeAt(lt + 1);
        if (first === SLASH) {
          if (xml.charCodeAt(lt + 2) !== C || xml.charCodeAt(lt + 3) !== GT) throw malformed(rowNumber, 'no </c>');
          p = lt + 4;
          break;
        }
        const gt = xml.indexOf('>', lt);
        if (gt === -1 || gt >= rowEnd) throw malformed(rowNumber, 'a tag not closed');
        const empty = xml.charCodeAt(gt - 1) === SLASH;
        if (first === V && isNameEnd(xml.charCodeAt(lt + 2))) {
          inline = undefined;
          if (empty) {
            valueFrom = valueTo = gt;
            p = gt + 1;
          } else {
            valueFrom = gt + 1;
            valueTo = closing(xml, '</v>', gt, rowEnd, rowNumber);
            p = valueTo + 4;
          }
        } else if (first === F && isNameEnd(xml.charCodeAt(lt + 2))) {
          formula = true;
          p = empty ? gt + 1 : closing(xml, '</f>', gt, rowEnd, rowNumber) + 4;
        } else if (first === I && xml.charCodeAt(lt + 2) === S && isNameEnd(xml.charCodeAt(lt + 3))) {
          valueFrom = -1;
          if (empty) {
            inline = '';
            p = gt + 1;
          } else {
            const end = closing(xml, '</is>', gt, rowEnd, rowNumber);
            inline = stringItemText(xml, gt + 1, end) ?? '';
            p = end + 5;
          }
        } else {
          p = skipElement(xml, lt, gt, empty, rowEnd, rowNumber);
        }
      }
      at = p;
      if (valueFrom === -1 && inline === undefined && !formula) continue; // no value
      const text = this.cellText(xml, valueFrom, valueTo, inline, type, formula, style);
      if (text === undefined) continue;
      const index = column - 1;
      if (index < values.length) values[index] = text;
      else {
        while (values.length < index) values.push('');
        values.push(text);
      }
      if (text.length) content = true;
    }
    return content ? values : undefined;
  }

  /**
   * The cell's text, trimmed; undefined for a cell without a value. As the ExcelJS path made it, except where
   * that lost or changed what the sheet shows:
   * - a formula's cached result reads as a cell of the same type and style does: 0 as '0' (ExcelJS dropped a
   *   falsy result of a cell with formula text), a boolean as 'true'/'false' (ExcelJS: parseFloat, '1'/''), an
   *   error as its text (ExcelJS: ''), a date-styled number as a date (ExcelJS: never);
   * - `str`/`inlineStr` text is decoded once (ExcelJS decoded entities a second time: '&amp;' read '&'), and
   *   `_xHHHH_` escapes are decoded (see xstringText);
   * - the style is the cell's own s, 0 when missing (ExcelJS gave cells without s or with s="0" the row's
   *   style, and never dated style 0);
   * - a `t="d"` cell's ISO 8601 text reads as a date cell does (see isoDateText), or as written when it is not
   *   a date (ExcelJS: parseFloat, '2026-11-03T10:00:00' read '2026');
   * - a boolean without a value reads empty (ExcelJS: 'true').
   */
  private cellText(
    xml: string,
    valueFrom: number,
    valueTo: number,
    inline: string | undefined,
    type: number,
    formula: boolean,
    style: number,
  ): string | undefined {
    if (!formula && inline === undefined) {
      // The common cases, without slicing and decoding the value first.
      if (type === SHARED) return this.context.sharedStrings[intValue(xml, valueFrom, valueTo)] ?? undefined;
      if (type === NUMBER && isPlainNumber(xml, valueFrom, valueTo) && !this.isDateStyle(style)) {
        return xml.slice(valueFrom, valueTo);
      }
    }
    const raw = inline ?? (valueFrom !== -1 ? xmlText(xml.slice(valueFrom, valueTo)) : '');
    if (formula && !raw.trim()) return ''; // not calculated yet (no <v>), or an empty result
    switch (type) {
      case SHARED:
        return this.context.sharedStrings[parseInt(raw, 10)] ?? undefined;
      case STRING:
        return inline ?? xstringText(raw).trim(); // stringItemText decoded and trimmed the inline text
      case ERROR:
        return raw.trim();
      case BOOLEAN: {
        const value = raw.trim();
        return value && (parseInt(value, 10) !== 0 ? 'true' : 'false');
      }
      case DATE: {
        const value = raw.trim();
        return isoDateText(value) ?? value;
      }
      default: {
        const n = parseFloat(raw);
        return this.isDateStyle(style) ? serialDateText(n, this.context.date1904) : numberText(n);
      }
    }
  }
}

// Attribute scanning: `attribute` finds the next one and leaves its value range in these two variables,
// so that no object is made per attribute.
let valueStart = 0;
let valueEnd = 0;
const OTHER = -1;

/** Position of the next attribute's name in xml[from, tagEnd), or -1; sets valueStart/valueEnd. */
function attribute(xml: string, from: number, tagEnd: number): number {
  let i = from;
  while (i < tagEnd && xml.charCodeAt(i) <= 32) i++;
  const code = xml.charCodeAt(i);
  if (i >= tagEnd || code === SLASH || code === GT) return -1;
  const name = i;
  const equals = xml.indexOf('=', i);
  if (equals === -1 || equals >= tagEnd) return -1;
  i = equals + 1;
  while (xml.charCodeAt(i) <= 32) i++;
  const quote = xml.charCodeAt(i);
  const close = xml.indexOf(quote === 39 ? "'" : '"', i + 1);
  if (close === -1 || close > tagEnd) return -1;
  valueStart = i + 1;
  valueEnd = close;
  return name;
}

/** The attribute name's character when it is one character long (r, s, t), else OTHER. */
function attributeName(xml: string, name: number): number {
  const next = xml.charCodeAt(name + 1);
  return next === 61 || next <= 32 ? xml.charCodeAt(name) : OTHER;
}

/** parseInt of xml[from, to), with a fast path for plain digits. */
function intValue(xml: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const digit = xml.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return parseInt(xmlText(xml.slice(from, to)), 10);
    n = n * 10 + digit;
  }
  return to > from ? n : NaN;
}

/** The column number of a cell reference ('B7' → 2, '$AA$3' → 27); 0 when it has no column letters. */
function columnOf(xml: string, from: number, to: number): number {
  let column = 0;
  for (let i = from; i < to; i++) {
    const code = xml.charCodeAt(i);
    if (code >= 65 && code <= 90) column = column * 26 + code - 64;
    else if (code >= 48 && code <= 57) break;
  }
  return column;
}

function typeOf(xml: string, from: number, to: number): number {
  const length = to - from;
  const first = xml.charCodeAt(from);
  if (length === 1) {
    if (first === S) return SHARED;
    if (first === 101) return ERROR; // e
    if (first === 98) return BOOLEAN; // b
    if (first === 100) return DATE; // d
    return NUMBER;
  }
  if ((length === 3 && xml.startsWith('str', from)) || (length === 9 && xml.startsWith('inlineStr', from))) {
    return STRING;
  }
  return NUMBER;
}

function closing(xml: string, tag: string, from: number, rowEnd: number, rowNumber: number): number {
  const end = xml.indexOf(tag, from);
  if (end === -1 || end > rowEnd) throw malformed(rowNumber, `no ${tag}`);
  return end;
}

/** Past an element a cell does not need (such as extLst), nested ones included. */
function skipElement(xml: string, lt: number, gt: number, empty: boolean, rowEnd: number, rowNumber: number): number {
  if (empty || xml.charCodeAt(lt + 1) === 63 || xml.charCodeAt(lt + 1) === 33) return gt + 1; // <?…?>, <!--…-->
  let nameEnd = lt + 1;
  while (!isNameEnd(xml.charCodeAt(nameEnd))) nameEnd++;
  return closing(xml, `</${xml.slice(lt + 1, nameEnd)}>`, gt, rowEnd, rowNumber) + nameEnd - lt + 2;
}

/** Past the tag or other markup at `lt` between rows; -1 when it is not complete yet. */
function skip(xml: string, lt: number): number {
  const gt = xml.indexOf('>', lt);
  return gt === -1 ? -1 : gt + 1;
}

function malformed(rowNumber: number, detail: string): UnreadableFileError {
  return new UnreadableFileError(`unreadable xlsx: malformed sheet XML in row ${rowNumber} (${detail})`);
}
