const ENTITY = /&(?:(amp|lt|gt|quot|apos)|#(\d{1,7})|#x([0-9a-fA-F]{1,6}));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const ESCAPE_LENGTH = 7; // _xHHHH_
/**
 * Text or attribute value as an XML parser reports it: line ends normalised to \n, then the five named
 * entities and character references decoded. An unknown entity stays as written.
 */
export function xmlText(raw: string): string {
  return raw.indexOf('<![CDATA[') === -1 ? plainText(raw) : withCdata(raw);
}

function plainText(raw: string): string {
  let text = raw;
  if (text.indexOf('\r') !== -1) text = text.replace(/\r\n?/g, '\n');
  if (text.indexOf('&') === -1) return text;
  return text.replace(ENTITY, (entity, name: string | undefined, decimal?: string, hex?: string) => {
    if (name) return NAMED[name];
    const code = decimal ? Number(decimal) : parseInt(hex as string, 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : entity;
  });
}

/** Text with CDATA sections: their content is taken as written, the text around them decoded (an unclosed one: as text). */
function withCdata(raw: string): string {
  let out = '';
  let from = 0;
  for (let start = raw.indexOf('<![CDATA[', from); start !== -1; start = raw.indexOf('<![CDATA[', from)) {
    const end = raw.indexOf(']]>', start + 9);
    if (end === -1) break;
    out += plainText(raw.slice(from, start)) + raw.slice(start + 9, end).replace(/\r\n?/g, '\n');
    from = end + 3;
  }
  return out + plainText(raw.slice(from));
}

/**
 * An ST_Xstring (a `<t>` of a shared or inline string, a `t="str"` value), already XML-decoded, as the sheet
 * shows it: the format writes a character XML cannot carry as `_xHHHH_` (Excel: a carriage return as
 * `_x000D_`) and a literal `_xHHHH_` with its underscore escaped (`_x005F_xHHHH_`). ExcelJS's stream reader
 * left the escapes as written (its workbook reader decodes them). Every escape is decoded, `_x0000_` and a
 * surrogate without its pair included: PostgreSQL cannot store those, and RowPreparer quarantines their row.
 */
export function xstringText(text: string): string {
  let at = text.indexOf('_x');
  if (at === -1) return text;
  let decoded = '';
  let from = 0;
  while (at !== -1) {
    const code = escapedCode(text, at);
    if (code === -1) {
      at = text.indexOf('_x', at + 1);
      continue;
    }
    decoded += text.slice(from, at) + String.fromCharCode(code);
    from = at + ESCAPE_LENGTH;
    at = text.indexOf('_x', from);
  }
  return from ? decoded + text.slice(from) : text;
}

/** The UTF-16 code of the `_xHHHH_` escape at `at`, or -1 when there is none. */
function escapedCode(text: string, at: number): number {
  if (text.charCodeAt(at) !== 95 || text.charCodeAt(at + 1) !== 120 || text.charCodeAt(at + 6) !== 95) return -1;
  let code = 0;
  for (let i = at + 2; i < at + 6; i++) {
    const c = text.charCodeAt(i);
    const digit = c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (digit === -1) return -1;
    code = code * 16 + digit;
  }
  return code;
}

/** The attributes of the tag whose name ends at `from` and which closes at `to` (its '>'), values decoded. */
export function attributesOf(xml: string, from: number, to: number): Map<string, string> {
  const attributes = new Map<string, string>();
  const pattern = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
  const tag = xml.slice(from, to);
  for (let match = pattern.exec(tag); match; match = pattern.exec(tag)) {
    attributes.set(match[1], xmlText(match[2] ?? match[3]));
  }
  return attributes;
}

/**
 * Start tags named `name` (no namespace prefix) in xml[from, to): calls `each` with the position after the
 * name and the position of the tag's '>'.
 */
export function forEachTag(
  xml: string,
  name: string,
  each: (nameEnd: number, tagEnd: number) => void,
  from = 0,
  to = xml.length,
): void {
  const open = `<${name}`;
  for (let at = xml.indexOf(open, from); at !== -1 && at < to; at = xml.indexOf(open, at + open.length)) {
    const nameEnd = at + open.length;
    if (!isNameEnd(xml.charCodeAt(nameEnd))) continue;
    const tagEnd = xml.indexOf('>', nameEnd);
    if (tagEnd === -1) return;
    each(nameEnd, tagEnd);
  }
}

/** The content range of the first `<name …>…</name>` element, undefined when absent or empty. */
export function elementContent(xml: string, name: string): { start: number; end: number } | undefined {
  let range: { start: number; end: number } | undefined;
  forEachTag(xml, name, (_, tagEnd) => {
    if (range || xml.charCodeAt(tagEnd - 1) === 47) return;
    const end = xml.indexOf(`</${name}>`, tagEnd);
    if (end !== -1) range = { start: tagEnd + 1, end };
  });
  return range;
}

/** Whitespace, '>' or '/' (NaN at the end of the text counts too: the tag is cut off there). */
export function isNameEnd(code: number): boolean {
  return code === 32 || code === 62 || code === 47 || code === 9 || code === 10 || code === 13 || Number.isNaN(code);
}
