const ENTITY = /&(?:(amp|lt|gt|quot|apos)|#(\d{1,7})|#x([0-9a-fA-F]{1,6}));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
/** What ExcelJS's stream reader decodes a second time in `str` and `inlineStr` cells (utils.xmlDecode). */
const EXCELJS_SECOND_DECODE = /&([a-z]*);/g;

/**
 * Text or attribute value as an XML parser reports it: line ends normalised to \n, then the five named
 * entities and character references decoded. An unknown entity stays as written.
 */
export function xmlText(raw: string): string {
  let text = raw;
  if (text.indexOf('\r') !== -1) text = text.replace(/\r\n?/g, '\n');
  if (text.indexOf('&') === -1) return text;
  return text.replace(ENTITY, (entity, name: string | undefined, decimal?: string, hex?: string) => {
    if (name) return NAMED[name];
    const code = decimal ? Number(decimal) : parseInt(hex as string, 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : entity;
  });
}

/**
 * ExcelJS decodes `str` and `inlineStr` cell text once more after the XML parser did, so a cell showing
 * '&amp;' reads as '&'. Kept so that the rows read exactly as they did through ExcelJS.
 */
export function exceljsSecondDecode(text: string): string {
  if (text.indexOf('&') === -1) return text;
  return text.replace(EXCELJS_SECOND_DECODE, (entity) => {
    switch (entity) {
      case '&lt;':
        return '<';
      case '&gt;':
        return '>';
      case '&amp;':
        return '&';
      case '&apos;':
        return "'";
      case '&quot;':
        return '"';
      default:
        return entity;
    }
  });
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
