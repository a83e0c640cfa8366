import { overLimit } from './read-limits';
import { attributesOf } from './xml-text';

/** Namespaces whose elements the readers know by local name: SpreadsheetML (Transitional, Strict), package rels. */
const KNOWN_NAMESPACES = new Set([
  'http://schemas.openxmlformats.org/spreadsheetml/2006/main',
  'http://purl.oclc.org/ooxml/spreadsheetml/main',
  'http://schemas.openxmlformats.org/package/2006/relationships',
]);
const MARKUP_COMPATIBILITY = 'http://schemas.openxmlformats.org/markup-compatibility/2006';
/** Extension namespaces Excel 2010 and later understand: an `mc:Choice` requiring only these is Excel's pick. */
const EXCEL_EXTENSIONS = /^http:\/\/schemas\.microsoft\.com\/office\//;

/**
 * Rewrites an OOXML part, chunk by chunk, into the plain form the indexOf scanners read:
 * - elements of a known namespace written with a prefix (`<x:row>`, `<x:c>`: .NET writers) lose the prefix;
 * - each `mc:AlternateContent` is replaced by the one branch Excel would take: the first `mc:Choice` whose
 *   `Requires` names only namespaces Excel understands (SpreadsheetML or Microsoft's Office extensions),
 *   else the `mc:Fallback` (none: nothing).
 * Parts without either (what Excel, LibreOffice and ExcelJS write) pass through untouched: one indexOf per
 * chunk. A chunk's tail that may be the start of a tag to rewrite waits for the next chunk.
 */
export class XmlNormaliser {
  private rootSeen = false;
  private pending = '';
  /** Prefixes bound on the root to a known namespace, e.g. ['x']. */
  private strip: string[] = [];
  private mc: string | undefined;
  private namespaces = new Map<string, string>();

  /** `maxPendingChars`: the longest unfinished stretch (an AlternateContent block, the text before the root). */
  constructor(private readonly maxPendingChars = Infinity) {}

  push(text: string): string {
    const out = this.rewrite(text);
    if (this.pending.length > this.maxPendingChars) {
      throw overLimit('maxRowChars', this.maxPendingChars, 'unreadable xlsx: an XML element never ends');
    }
    return out;
  }

  private rewrite(text: string): string {
    let xml = this.pending ? this.pending + text : text;
    this.pending = '';
    if (!this.rootSeen) {
      const root = rootTag(xml);
      if (root === undefined) {
        this.pending = xml;
        return '';
      }
      this.readRoot(xml, root.nameEnd, root.tagEnd);
    }
    if (!this.strip.length && this.mc === undefined) return xml;
    if (this.mc !== undefined) {
      const resolved = this.resolveAlternates(xml);
      xml = resolved.text;
      this.pending = resolved.rest;
    }
    if (this.strip.length) {
      const tail = incompleteTag(xml);
      if (tail < xml.length) {
        this.pending = xml.slice(tail) + this.pending;
        xml = xml.slice(0, tail);
      }
      xml = this.stripPrefixes(xml);
    }
    return xml;
  }

  end(text = ''): string {
    const out = this.rewrite(text);
    const rest = this.pending;
    this.pending = '';
    return out + (this.strip.length ? this.stripPrefixes(rest) : rest);
  }

  private readRoot(xml: string, nameEnd: number, tagEnd: number): void {
    this.rootSeen = true;
    for (const [name, value] of attributesOf(xml, nameEnd, tagEnd)) {
      if (!name.startsWith('xmlns:')) continue;
      const prefix = name.slice(6);
      this.namespaces.set(prefix, value);
      if (KNOWN_NAMESPACES.has(value)) this.strip.push(prefix);
      else if (value === MARKUP_COMPATIBILITY) this.mc = prefix;
    }
  }

  private stripPrefixes(xml: string): string {
    let out = xml;
    for (const prefix of this.strip) {
      if (out.indexOf(`${prefix}:`) === -1) continue;
      out = out.split(`<${prefix}:`).join('<').split(`</${prefix}:`).join('</');
    }
    return out;
  }

  /** The text with complete AlternateContent blocks resolved; `rest` from an unfinished one (or a cut tag) on. */
  private resolveAlternates(xml: string): { text: string; rest: string } {
    const open = `<${this.mc}:AlternateContent`;
    const close = `</${this.mc}:AlternateContent>`;
    let out = '';
    let from = 0;
    for (;;) {
      const start = xml.indexOf(open, from);
      if (start === -1) {
        const cut = cutMarker(xml, open, from);
        return { text: out + xml.slice(from, cut), rest: xml.slice(cut) };
      }
      const end = matchingClose(xml, open, close, start);
      if (end === -1) return { text: out + xml.slice(from, start), rest: xml.slice(start) };
      out += xml.slice(from, start) + this.chosenBranch(xml.slice(start, end));
      from = end + close.length;
    }
  }

  /** The content of the branch Excel would take from one `<mc:AlternateContent>…` block (its close excluded). */
  private chosenBranch(block: string): string {
    const mc = this.mc as string;
    const local = new Map(this.namespaces);
    const blockTagEnd = block.indexOf('>');
    for (const [name, value] of attributesOf(block, 0, blockTagEnd)) {
      if (name.startsWith('xmlns:')) local.set(name.slice(6), value);
    }
    for (const kind of ['Choice', 'Fallback']) {
      const open = `<${mc}:${kind}`;
      for (let at = block.indexOf(open); at !== -1; at = block.indexOf(open, at + open.length)) {
        const tagEnd = block.indexOf('>', at);
        if (tagEnd === -1) return '';
        const attributes = attributesOf(block, at + open.length, tagEnd);
        if (kind === 'Choice') {
          for (const [name, value] of attributes) if (name.startsWith('xmlns:')) local.set(name.slice(6), value);
          const requires = (attributes.get('Requires') ?? '').split(/\s+/).filter(Boolean);
          if (!requires.every((prefix) => understood(local.get(prefix)))) continue;
        }
        if (block.charCodeAt(tagEnd - 1) === 47) return '';
        const end = block.indexOf(`</${mc}:${kind}>`, tagEnd);
        return end === -1 ? '' : block.slice(tagEnd + 1, end);
      }
    }
    return '';
  }
}

function understood(namespace: string | undefined): boolean {
  return namespace !== undefined && (KNOWN_NAMESPACES.has(namespace) || EXCEL_EXTENSIONS.test(namespace));
}

/** The first element's start tag (past `<?xml…?>`, comments and a DOCTYPE), once it is complete. */
function rootTag(xml: string): { nameEnd: number; tagEnd: number } | undefined {
  for (let lt = xml.indexOf('<'); lt !== -1; lt = xml.indexOf('<', lt + 1)) {
    const next = xml.charCodeAt(lt + 1);
    if (next === 63 || next === 33) continue; // <? or <!
    const tagEnd = xml.indexOf('>', lt);
    if (tagEnd === -1) return undefined;
    let nameEnd = lt + 1;
    while (nameEnd < tagEnd && !/[\s/>]/.test(xml[nameEnd])) nameEnd++;
    return { nameEnd, tagEnd };
  }
  return undefined;
}

/** Where a tag cut off by the end of the chunk starts (no '>' after its '<'), or xml.length. */
function incompleteTag(xml: string): number {
  const lt = xml.lastIndexOf('<');
  return lt !== -1 && xml.indexOf('>', lt) === -1 ? lt : xml.length;
}

/** Where a possible start of `marker` cut off at the end of xml[from…] begins, or xml.length. */
function cutMarker(xml: string, marker: string, from: number): number {
  const lt = xml.lastIndexOf('<');
  if (lt < from || lt < xml.length - marker.length) return xml.length;
  return marker.startsWith(xml.slice(lt)) ? lt : xml.length;
}

/** The position of the `close` matching the `open` at `start` (nested blocks counted), or -1. */
function matchingClose(xml: string, open: string, close: string, start: number): number {
  let depth = 0;
  let at = start;
  for (;;) {
    const nextOpen = xml.indexOf(open, at);
    const nextClose = xml.indexOf(close, at);
    if (nextClose === -1) return -1;
    if (nextOpen !== -1 && nextOpen < nextClose) {
      depth++;
      at = nextOpen + open.length;
      continue;
    }
    if (--depth === 0) return nextClose;
    at = nextClose + close.length;
  }
}
