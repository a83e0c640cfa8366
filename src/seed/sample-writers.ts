import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TemplateColumn } from '@app/db';
import * as ExcelJS from 'exceljs';
import * as iconv from 'iconv-lite';
import type { SampleEncoding, SampleFileSpec } from './sample-file-spec';
import { sampleRows } from './sample-rows';

/** Writes under a hidden temporary name first so a crash never leaves a truncated file that looks complete. */
export async function writeSampleFile(dir: string, spec: SampleFileSpec): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, spec.fileName);
  const partial = join(dir, `.${spec.fileName}.partial`);
  try {
    await (spec.format === 'xlsx' ? writeXlsx(partial, spec) : writeCsv(partial, spec));
    await rename(partial, path);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  return path;
}

/** Lines above the header, as exports with headerRow > 1 carry them. */
export function titleLines(spec: SampleFileSpec): string[] {
  const known = ['数据概览', `统计周期：${spec.periodStart} ~ ${spec.periodEnd}`];
  return Array.from({ length: Math.max(0, spec.template.headerRow - 1) }, (_, i) => known[i] ?? '');
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const CSV_BATCH_ROWS = 500;

async function writeCsv(path: string, spec: SampleFileSpec): Promise<void> {
  await pipeline(Readable.from(csvChunks(spec)), createWriteStream(path));
}

function* csvChunks(spec: SampleFileSpec): Generator<Buffer> {
  const encoding = spec.encoding ?? 'utf8';
  if (encoding === 'utf8-bom') yield UTF8_BOM;
  let batch: string[] = [];
  for (const line of csvLines(spec)) {
    batch.push(line);
    if (batch.length < CSV_BATCH_ROWS) continue;
    yield encodeText(batch.join(''), encoding);
    batch = [];
  }
  if (batch.length) yield encodeText(batch.join(''), encoding);
}

function* csvLines(spec: SampleFileSpec): Generator<string> {
  for (const title of titleLines(spec)) yield csvLine([title]);
  yield csvLine(spec.template.columns.map((c) => c.name));
  for (const row of sampleRows(spec)) yield csvLine(row);
}

function csvLine(fields: string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function encodeText(text: string, encoding: SampleEncoding): Buffer {
  return encoding === 'gbk' ? iconv.encode(text, 'gbk') : Buffer.from(text, 'utf8');
}

async function writeXlsx(path: string, spec: SampleFileSpec): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true });
  // Fixed document dates keep docProps/core.xml identical between runs.
  workbook.created = workbook.modified = new Date(`${spec.periodEnd}T00:00:00Z`);
  const sheet = workbook.addWorksheet(spec.template.dataDomain);
  for (const title of titleLines(spec)) sheet.addRow([title]).commit();
  sheet.addRow(spec.template.columns.map((c) => c.name)).commit();
  for (const row of sampleRows(spec)) sheet.addRow(xlsxCells(row, spec.template.columns)).commit();
  await workbook.commit();
}

function xlsxCells(row: string[], columns: TemplateColumn[]): (string | number | null)[] {
  return row.map((value, i) => {
    if (value === '') return null;
    const type = columns[i].type;
    return type === 'number' || type === 'integer' ? Number(value) : value;
  });
}
