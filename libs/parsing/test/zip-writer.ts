import { writeFileSync } from 'node:fs';
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipPart {
  name: string;
  content: string | Buffer;
  /** 0 stored, 8 deflated (the default). */
  method?: number;
  /** Writes a wrong CRC-32 for this part (a damaged archive). */
  badCrc?: boolean;
}

/**
 * Writes a zip the plain way (local records, central directory, end record), or as ZIP64 with every size
 * and offset in ZIP64 extra fields, for hand-written XLSX fixtures.
 */
export function writeZip(path: string, parts: ZipPart[], options: { zip64?: boolean } = {}): void {
  const records: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const part of parts) {
    const data = Buffer.from(part.content);
    const method = part.method ?? 8;
    const stored = method === 8 ? deflateRawSync(data) : data;
    const name = Buffer.from(part.name, 'utf8');
    const crc = (crc32(data) ^ (part.badCrc ? 0x5a5a5a5a : 0)) >>> 0;
    const zip64 = options.zip64 ? zip64Extra(data.length, stored.length, offset) : Buffer.alloc(0);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(options.zip64 ? 45 : 20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(options.zip64 ? 0xffffffff : stored.length, 18);
    local.writeUInt32LE(options.zip64 ? 0xffffffff : data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(zip64.length, 28);
    records.push(local, name, zip64, stored);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(options.zip64 ? 45 : 20, 4);
    central.writeUInt16LE(options.zip64 ? 45 : 20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(options.zip64 ? 0xffffffff : stored.length, 20);
    central.writeUInt32LE(options.zip64 ? 0xffffffff : data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(zip64.length, 30);
    central.writeUInt32LE(options.zip64 ? 0xffffffff : offset, 42);
    directory.push(central, name, zip64);
    offset += 30 + name.length + zip64.length + stored.length;
  }
  const directoryBytes = Buffer.concat(directory);
  const tail: Buffer[] = [];
  if (options.zip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE(45, 12);
    record.writeUInt16LE(45, 14);
    record.writeBigUInt64LE(BigInt(parts.length), 24);
    record.writeBigUInt64LE(BigInt(parts.length), 32);
    record.writeBigUInt64LE(BigInt(directoryBytes.length), 40);
    record.writeBigUInt64LE(BigInt(offset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset + directoryBytes.length), 8);
    locator.writeUInt32LE(1, 16);
    tail.push(record, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(options.zip64 ? 0xffff : parts.length, 8);
  end.writeUInt16LE(options.zip64 ? 0xffff : parts.length, 10);
  end.writeUInt32LE(options.zip64 ? 0xffffffff : directoryBytes.length, 12);
  end.writeUInt32LE(options.zip64 ? 0xffffffff : offset, 16);
  writeFileSync(path, Buffer.concat([...records, directoryBytes, ...tail, end]));
}

function zip64Extra(size: number, compressed: number, offset: number): Buffer {
  const extra = Buffer.alloc(28);
  extra.writeUInt16LE(0x0001, 0);
  extra.writeUInt16LE(24, 2);
  extra.writeBigUInt64LE(BigInt(size), 4);
  extra.writeBigUInt64LE(BigInt(compressed), 12);
  extra.writeBigUInt64LE(BigInt(offset), 20);
  return extra;
}

/** The parts of a minimal workbook around one or more sheets' XML; override or drop parts by name. */
export function workbookParts(sheets: string[], overrides: Record<string, string | null> = {}): ZipPart[] {
  const parts: Record<string, string | null> = {
    '[Content_Types].xml':
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    'xl/workbook.xml': workbookXml(sheets.length),
    'xl/_rels/workbook.xml.rels': relsXml(sheets.length),
    ...Object.fromEntries(sheets.map((xml, i) => [`xl/worksheets/sheet${i + 1}.xml`, xml])),
    ...overrides,
  };
  return Object.entries(parts).flatMap(([name, content]) => (content === null ? [] : [{ name, content }]));
}

export function workbookXml(sheetCount: number, workbookPr = ''): string {
  const sheets = Array.from(
    { length: sheetCount },
    (_, i) => `<sheet name="S${i + 1}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`,
  ).join('');
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' +
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">' +
    `${workbookPr}<sheets>${sheets}</sheets></workbook>`
  );
}

export function relsXml(sheetCount: number, target = (i: number): string => `worksheets/sheet${i}.xml`): string {
  const rels = Array.from(
    { length: sheetCount },
    (_, i) =>
      `<Relationship Id="rId${i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="${target(i + 1)}"/>`,
  ).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rels}</Relationships>`;
}

/** A worksheet around the given `<sheetData>` content. */
export function sheetXml(rows: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' +
    `<sheetData>${rows}</sheetData></worksheet>`
  );
}
