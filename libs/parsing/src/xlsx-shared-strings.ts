import { StringDecoder } from 'node:string_decoder';
import { EntryReader, entryChunks } from './zip-entry';
import type { ZipEntry } from './zip-directory';
import { DEFAULT_READ_LIMITS, ReadLimits, overLimit } from './read-limits';
import { XmlNormaliser } from './xml-normaliser';
import { isNameEnd, xmlText, xstringText } from './xml-text';

const SLASH = 47;

/** xl/sharedStrings.xml as the trimmed text of each `<si>`, streamed: held whole only as the string list. */
export async function readSharedStrings(
  reader: EntryReader,
  entry: ZipEntry,
  limits: ReadLimits = DEFAULT_READ_LIMITS,
): Promise<(string | null)[]> {
  const scanner = new SharedStringsScanner(limits);
  const normaliser = new XmlNormaliser(limits.maxRowChars);
  const decoder = new StringDecoder('utf8');
  for await (const chunk of entryChunks(reader, entry)) scanner.push(normaliser.push(decoder.write(chunk)));
  scanner.push(normaliser.end(decoder.end()));
  return scanner.strings;
}

/**
 * Each `<si>`: the concatenation of its `<t>` texts (plain, or in rich-text runs `<r>`), phonetic `<rPh>`
 * runs left out, `_xHHHH_` escapes decoded (see xstringText), trimmed. An `<si>` without runs or text is null,
 * as in ExcelJS (its cells count as empty).
 */
export class SharedStringsScanner {
  readonly strings: (string | null)[] = [];
  private pending = '';
  private chars = 0;

  constructor(private readonly limits: ReadLimits = DEFAULT_READ_LIMITS) {}

  push(text: string): void {
    this.scan(text);
    if (this.pending.length > this.limits.maxRowChars) {
      throw overLimit('maxRowChars', this.limits.maxRowChars, 'unreadable xlsx: a shared string never ends');
    }
  }

  private add(text: string | null): void {
    if (this.strings.length >= this.limits.maxSharedStrings) {
      throw overLimit('maxSharedStrings', this.limits.maxSharedStrings, 'too many shared strings');
    }
    this.chars += text?.length ?? 0;
    if (this.chars > this.limits.maxSharedStringChars) {
      throw overLimit('maxSharedStringChars', this.limits.maxSharedStringChars, 'too much shared-string text');
    }
    this.strings.push(text);
  }

  private scan(text: string): void {
    const xml = this.pending ? this.pending + text : text;
    let at = 0;
    for (;;) {
      const start = xml.indexOf('<si', at);
      if (start === -1) {
        const lt = xml.lastIndexOf('<');
        this.pending = lt >= at ? xml.slice(lt) : '';
        return;
      }
      if (!isNameEnd(xml.charCodeAt(start + 3))) {
        at = start + 3;
        continue;
      }
      const tagEnd = xml.indexOf('>', start);
      if (tagEnd === -1) {
        this.pending = xml.slice(start);
        return;
      }
      if (xml.charCodeAt(tagEnd - 1) === SLASH) {
        this.add(null);
        at = tagEnd + 1;
        continue;
      }
      const end = xml.indexOf('</si>', tagEnd);
      if (end === -1) {
        this.pending = xml.slice(start);
        return;
      }
      this.add(stringItemText(xml, tagEnd + 1, end));
      at = end + 5;
    }
  }
}

/**
 * The trimmed text of a string item's content xml[from, to) (`<si>` or an inline `<is>`); null when it has
 * neither runs nor text.
 */
export function stringItemText(xml: string, from: number, to: number): string | null {
  let text = '';
  let runs = false;
  for (let lt = xml.indexOf('<', from); lt !== -1 && lt < to;) {
    const gt = xml.indexOf('>', lt);
    if (gt === -1 || gt > to) break;
    const empty = xml.charCodeAt(gt - 1) === SLASH;
    const name = xml.charCodeAt(lt + 1);
    if (name === 116 && isNameEnd(xml.charCodeAt(lt + 2)) && !empty) {
      // <t>
      const end = xml.indexOf('</t>', gt);
      if (end === -1 || end > to) break;
      text += xstringText(xmlText(xml.slice(gt + 1, end)));
      lt = xml.indexOf('<', end + 4);
      continue;
    }
    if (name === 114 && isNameEnd(xml.charCodeAt(lt + 2)))
      runs = true; // <r>
    else if (!empty && xml.startsWith('<rPh', lt) && isNameEnd(xml.charCodeAt(lt + 4))) {
      const end = xml.indexOf('</rPh>', gt);
      if (end === -1 || end > to) break;
      lt = xml.indexOf('<', end + 6);
      continue;
    }
    lt = xml.indexOf('<', gt + 1);
  }
  return runs || text ? text.trim() : null;
}
