import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as iconv from 'iconv-lite';
import { ORDER_COLUMNS, writeSampleXlsx } from '../test/sample-sheets';
import { sniffFormat } from './sniff-format';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000100000001008060000001ff3ff61', 'hex');
const PDF = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n', 'latin1');

/** A zip local file header for one stored entry. */
function zipWith(name: string): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(Buffer.byteLength(name), 26);
  return Buffer.concat([header, Buffer.from(name), Buffer.from('content')]);
}

describe(sniffFormat.name, () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'sniff-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('recognizes an xlsx workbook', async () => {
    const path = await writeSampleXlsx(join(dir, 'products.xlsx'), { columns: ORDER_COLUMNS, rows: 50, seed: 3 });
    expect(sniffFormat(readFileSync(path).subarray(0, 8192))).toBe('xlsx');
  });

  it('recognizes an xlsx by its [Content_Types].xml when no xl/ entry is in sight', () => {
    expect(sniffFormat(zipWith('[Content_Types].xml'))).toBe('xlsx');
  });

  it.each([
    ['a plain zip', zipWith('notes.txt')],
    ['a Word document', Buffer.concat([zipWith('[Content_Types].xml'), zipWith('word/document.xml')])],
  ])('rejects %s', (_, head) => {
    expect(sniffFormat(head)).toBeUndefined();
  });

  it.each([
    ['UTF-8', Buffer.from('订单编号,数量\r\n1,2\r\n')],
    ['UTF-8 with BOM', Buffer.from('\ufeffsku,qty\n')],
    ['GBK', iconv.encode('服务单号,件数\r\nFW1,3\r\n', 'gbk')],
    ['a head cut inside a UTF-8 character', Buffer.from('名称,数量\n杯子').subarray(0, -1)],
    ['a stray NUL byte in', Buffer.from('sku,name\r\nA1,mu\0g\r\n')],
  ])('recognizes %s text as csv', (_, head) => {
    expect(sniffFormat(head)).toBe('csv');
  });

  it.each([
    ['PNG', PNG],
    ['PDF', PDF],
    ['random bytes', randomBytes(4096)],
    ['an empty buffer', Buffer.alloc(0)],
    ['blank lines', Buffer.from('\r\n \r\n')],
    ['HTML', Buffer.from('<!DOCTYPE html><html><body>a,b</body></html>')],
    [
      'text in no encoding read (bytes Windows-1252 leaves undefined)',
      Buffer.from([0x61, 0x2c, 0x62, 0x0a, 0x81, 0x0a, 0x8d]),
    ],
    ['UTF-16 text without a BOM', Buffer.from('sku,qty\r\nA1,3\r\n', 'utf16le')],
  ])('returns undefined for %s', (_, head) => {
    expect(sniffFormat(head)).toBeUndefined();
  });
});
