import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ExcelJS from 'exceljs';
import * as iconv from 'iconv-lite';
import {
  csvField,
  SAMPLE_FILES,
  SampleFileSpec,
  sampleFileMeta,
  sampleFileName,
  sampleRows,
  writeSampleFile,
  writeSampleFiles,
} from './sample-files';
import { SAMPLE_TEMPLATES } from './sample-templates';

const SMALL_ROWS = 50;
const smallSpecs = SAMPLE_FILES.map((spec) => ({ ...spec, rows: SMALL_ROWS }));
const csvSpecs = smallSpecs.filter((s) => s.format === 'csv');
const xlsxSpecs = smallSpecs.filter((s) => s.format === 'xlsx');

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sample-files-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => tempDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** RFC 4180: quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch !== '"') field += ch;
      else if (text[i + 1] === '"') field += text[i++];
      else quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      rows.push([...row, field]);
      row = [];
      field = '';
    } else if (ch !== '\r') field += ch;
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}

function readCsv(path: string, spec: SampleFileSpec): string[][] {
  const bytes = readFileSync(path);
  if (spec.encoding === 'gbk') return parseCsv(iconv.decode(bytes, 'gbk'));
  const start = spec.encoding === 'utf8-bom' ? 3 : 0;
  return parseCsv(bytes.subarray(start).toString('utf8'));
}

const keyOf = (spec: SampleFileSpec, row: string[]): string =>
  spec.template.dedupFields.map((f) => row[spec.template.columns.findIndex((c) => c.name === f)]).join('\u0000');

describe('SAMPLE_TEMPLATES', () => {
  it.each(SAMPLE_TEMPLATES.map((t) => [`${t.platform}/${t.dataDomain}`, t] as const))(
    '%s is consistent',
    (_, template) => {
      const names = template.columns.map((c) => c.name);
      expect(new Set(names).size).toBe(names.length);
      expect(names).toEqual(expect.arrayContaining(template.dedupFields));
      if (template.dateField) expect(names).toContain(template.dateField);
    },
  );

  it('only tiktok analytics has the header below two title lines', () => {
    const offHeader = SAMPLE_TEMPLATES.filter((t) => t.headerRow !== 1);
    expect(offHeader.map((t) => [t.platform, t.dataDomain, t.headerRow])).toEqual([['tiktok', 'analytics', 3]]);
  });
});

describe('SAMPLE_FILES', () => {
  it('covers several platforms, formats and encodings with thousands of rows each', () => {
    expect(new Set(SAMPLE_FILES.map((s) => s.template.platform)).size).toBeGreaterThanOrEqual(4);
    expect(SAMPLE_FILES.filter((s) => s.format === 'xlsx').length).toBeGreaterThanOrEqual(2);
    expect(SAMPLE_FILES.some((s) => s.format === 'csv' && s.encoding === 'gbk')).toBe(true);
    expect(SAMPLE_FILES.some((s) => s.format === 'csv' && s.encoding === 'utf8-bom')).toBe(true);
    for (const spec of SAMPLE_FILES) expect(spec.rows).toBeGreaterThanOrEqual(2000);
    for (const spec of SAMPLE_FILES) expect(spec.rows).toBeLessThanOrEqual(8000);
    expect(new Set(SAMPLE_FILES.map((s) => s.fileName)).size).toBe(SAMPLE_FILES.length);
  });

  it('names files by the catalog convention', () => {
    expect(SAMPLE_FILES[0].fileName).toBe('shopee__sg_1001__orders__all__daily__2026-11-01_2026-11-01.csv');
    const pattern =
      /^[a-z]+__[a-z0-9_]+?__[a-z]+__[a-z0-9_]+__[a-z]+__\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.(csv|xlsx)$/;
    for (const spec of SAMPLE_FILES) {
      expect(spec.fileName).toMatch(pattern);
      expect(spec.fileName).toBe(sampleFileName(sampleFileMeta(spec), spec.format));
    }
  });

  it('exposes the metadata encoded in the name', () => {
    expect(sampleFileMeta(SAMPLE_FILES[0])).toEqual({
      platform: 'shopee',
      shopId: 'sg_1001',
      dataDomain: 'orders',
      subDomain: '',
      granularity: 'daily',
      periodStart: '2026-11-01',
      periodEnd: '2026-11-01',
    });
  });
});

describe('sampleRows', () => {
  const full = SAMPLE_FILES.map((spec) => [spec.fileName, spec] as const);

  it.each(full)('%s: yields the requested rows with unique dedup keys', (_, spec) => {
    const rows = [...sampleRows(spec)];
    expect(rows).toHaveLength(spec.rows);
    for (const row of rows) expect(row).toHaveLength(spec.template.columns.length);
    expect(new Set(rows.map((row) => keyOf(spec, row))).size).toBe(spec.rows);
  });

  it.each(full)('%s: values match column types and fall inside the period', (_, spec) => {
    const formats = {
      integer: /^\d+$/,
      number: /^\d+\.\d{2}$/,
      date: /^\d{4}-\d{2}-\d{2}$/,
      datetime: /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/,
    };
    const problems: string[] = [];
    for (const row of sampleRows(spec)) {
      spec.template.columns.forEach(({ name, type }, i) => {
        if (type === 'text') return;
        if (!formats[type].test(row[i])) problems.push(`${name}: ${row[i]}`);
        const day = row[i].slice(0, 10);
        if (type.startsWith('date') && (day < spec.periodStart || day > spec.periodEnd))
          problems.push(`${name} outside period: ${row[i]}`);
      });
    }
    expect(problems.slice(0, 5)).toEqual([]);
  });

  it('is deterministic per file and differs between files', () => {
    const spec = { ...SAMPLE_FILES[0], rows: 200 };
    expect([...sampleRows(spec)]).toEqual([...sampleRows(spec)]);
    const renamed = { ...spec, fileName: spec.fileName.replace('sg_1001', 'sg_1002') };
    expect([...sampleRows(renamed)]).not.toEqual([...sampleRows(spec)]);
  });

  it('gives files of different names and formats the same rows when they share a row seed', () => {
    const csv = { ...SAMPLE_FILES[0], rows: 200, rowSeed: 'same rows' };
    const xlsx = { ...csv, format: 'xlsx' as const, fileName: csv.fileName.replace(/\.csv$/, '.xlsx') };
    expect([...sampleRows(xlsx)]).toEqual([...sampleRows(csv)]);
    expect([...sampleRows(csv)]).not.toEqual([...sampleRows({ ...csv, rowSeed: undefined })]);
  });

  it('uses Chinese product names and statuses', () => {
    const spec = { ...SAMPLE_FILES[0], rows: 200 };
    const rows = [...sampleRows(spec)];
    const statuses = new Set(rows.map((r) => r[1]));
    expect(statuses).toContain('已完成');
    expect(rows.every((r) => /[\u4e00-\u9fa5]/.test(r[3]))).toBe(true);
  });
});

describe('csvField', () => {
  it('quotes only fields with commas, quotes or line breaks', () => {
    expect(csvField('plain 文本')).toBe('plain 文本');
    expect(csvField('黑色,M')).toBe('"黑色,M"');
    expect(csvField('要"黑色"的')).toBe('"要""黑色""的"');
    expect(csvField('两行\n文本')).toBe('"两行\n文本"');
  });
});

describe('writeSampleFiles', () => {
  let dir: string;
  let paths: string[];

  beforeAll(async () => {
    dir = tempDir();
    paths = await writeSampleFiles(join(dir, 'samples'), smallSpecs);
  });

  it('creates the directory and returns the full path of every file', () => {
    expect(paths).toEqual(smallSpecs.map((s) => join(dir, 'samples', s.fileName)));
    expect(readdirSync(join(dir, 'samples')).sort()).toEqual(smallSpecs.map((s) => s.fileName).sort());
  });

  it.each(csvSpecs.map((s) => [s.fileName, s] as const))(
    '%s: CSV parses back to title lines, header and rows',
    (_, spec) => {
      const lines = readCsv(join(dir, 'samples', spec.fileName), spec);
      const headerIndex = spec.template.headerRow - 1;
      expect(lines[headerIndex]).toEqual(spec.template.columns.map((c) => c.name));
      expect(lines.slice(headerIndex + 1)).toEqual([...sampleRows(spec)]);
      expect(lines).toHaveLength(headerIndex + 1 + SMALL_ROWS);
    },
  );

  it('round-trips fields that need quoting (commas, quotes, line breaks)', async () => {
    const spec = SAMPLE_FILES.find((s) => s.template.platform === 'tiktok' && s.template.dataDomain === 'orders');
    if (!spec) throw new Error('no tiktok orders sample');
    const rows = [...sampleRows(spec)];
    const fields = rows.flat();
    expect(fields.some((f) => f.includes(','))).toBe(true);
    expect(fields.some((f) => f.includes('"'))).toBe(true);
    expect(fields.some((f) => f.includes('\n'))).toBe(true);
    const path = await writeSampleFile(tempDir(), spec);
    expect(readCsv(path, spec).slice(spec.template.headerRow)).toEqual(rows);
  });

  it('writes the BOM only for utf8-bom files', () => {
    for (const spec of csvSpecs) {
      const head = readFileSync(join(dir, 'samples', spec.fileName)).subarray(0, 3);
      expect(head.equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(spec.encoding === 'utf8-bom');
    }
  });

  it('encodes GBK files so Chinese headers only survive GBK decoding', () => {
    const spec = csvSpecs.find((s) => s.encoding === 'gbk');
    if (!spec) throw new Error('no GBK sample');
    const bytes = readFileSync(join(dir, 'samples', spec.fileName));
    const header = spec.template.columns[0].name;
    expect(iconv.decode(bytes, 'gbk').split('\r\n')[0]).toContain(header);
    expect(bytes.toString('utf8')).not.toContain(header);
  });

  it.each(xlsxSpecs.map((s) => [s.fileName, s] as const))(
    '%s: XLSX holds titles, header and typed rows',
    async (_, spec) => {
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.readFile(join(dir, 'samples', spec.fileName));
      const sheet = workbook.worksheets[0];
      const { headerRow, columns } = spec.template;
      const cells = (n: number) => columns.map((_, i) => sheet.getRow(n).getCell(i + 1).value);
      expect(sheet.rowCount).toBe(headerRow + SMALL_ROWS);
      expect(cells(headerRow)).toEqual(columns.map((c) => c.name));
      if (headerRow > 1) expect(sheet.getRow(1).getCell(1).value).toBe('数据概览');
      const expected = [...sampleRows(spec)].map((row) =>
        row.map((v, i) =>
          v === '' ? null : columns[i].type === 'number' || columns[i].type === 'integer' ? Number(v) : v,
        ),
      );
      expect(Array.from({ length: SMALL_ROWS }, (_, i) => cells(headerRow + 1 + i))).toEqual(expected);
    },
  );

  it('writes the same CSV bytes on every run', async () => {
    const again = tempDir();
    for (const spec of csvSpecs) {
      const path = await writeSampleFile(again, spec);
      expect(readFileSync(path).equals(readFileSync(join(dir, 'samples', spec.fileName)))).toBe(true);
    }
  });

  it('leaves existing files untouched on a second run', async () => {
    const target = join(dir, 'samples');
    const kept = join(target, smallSpecs[0].fileName);
    writeFileSync(kept, 'edited by hand');
    const mtimes = paths.map((p) => statSync(p).mtimeMs);
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(await writeSampleFiles(target, smallSpecs)).toEqual(paths);
    expect(paths.map((p) => statSync(p).mtimeMs)).toEqual(mtimes);
    expect(readFileSync(kept, 'utf8')).toBe('edited by hand');
    expect(readdirSync(target)).toHaveLength(smallSpecs.length);
  });
});
