import { StringDecoder } from 'node:string_decoder';
import { EntryReader, entryChunks } from './zip-entry';
import type { ZipEntry } from './zip-directory';
import { isNameEnd, xmlText, xstringText } from './xml-text';

const SLASH = 47;

/** xl/sharedStrings.xml as the trimmed text of each `<si>`, streamed: held whole only as the string list. */
export async function readSharedStrings(reader: EntryReader, entry: ZipEntry): Promise<(string | null)[]> {
  const scanner = new SharedStringsScanner();
  const decoder = new StringDecoder('utf8');
  for await (const chunk of entryChunks(reader, entry)) scanner.push(decoder.write(chunk));
  scanner.push(decoder.end());
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

  push(text: string): void {
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
        this.strings.push(null);
        at = tagEnd + 1;
        continue;
      }
      const end = xml.indexOf('</si>', tagEnd);
      if (end === -1) {
        this.pending = xml.slice(start);
        return;
      }
      this.strings.push(stringItemText(xml, tagEnd + 1, end));
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
