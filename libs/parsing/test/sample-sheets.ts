import { writeFileSync } from 'node:fs';
import * as ExcelJS from 'exceljs';
import * as iconv from 'iconv-lite';
import { mulberry32 } from '@app/common/seeded-random';
import type { ColumnType } from '../src/typed-values';

/**
 * Deterministic export-like sheets for the parsing specs: their own small generator, so the lib's tests do
 * not depend on the seed data of the app.
 */
export interface SampleColumn {
  name: string;
  type: ColumnType;
}

export interface SampleSheet {
  columns: SampleColumn[];
  rows: number;
  seed: number;
  /** Lines above the header, as some exports carry them (the header is then row titles.length + 1). */
  titles?: string[];
}

export type SampleEncoding = 'utf8' | 'utf8-bom' | 'gbk';

/** An order export: Chinese headers, free text with commas, quotes and line breaks, sparse cells. */
export const ORDER_COLUMNS: SampleColumn[] = [
  { name: '订单号', type: 'text' },
  { name: '下单时间', type: 'datetime' },
  { name: '商品名称', type: 'text' },
  { name: '数量', type: 'integer' },
  { name: '单价', type: 'number' },
  { name: '买家备注', type: 'text' },
  { name: '状态', type: 'text' },
];

/** A metrics export: mostly numbers, a date and a title block above the header. */
export const ANALYTICS_COLUMNS: SampleColumn[] = [
  { name: '日期', type: 'date' },
  { name: '访客数', type: 'integer' },
  { name: '浏览量', type: 'integer' },
  { name: '转化率', type: 'number' },
  { name: '成交金额', type: 'number' },
  { name: '渠道', type: 'text' },
];

export const ANALYTICS_TITLES = ['数据概览', '统计周期：2026-11-01 ~ 2026-11-07'];

const PRODUCTS = ['保温杯 500ml', '蓝牙耳机, 降噪', '儿童"益智"积木', 'USB-C 数据线', '真丝围巾', 'Café crème 咖啡'];
const NOTES = ['', '', '', '请尽快发货', '送礼，请勿放发票', '多行\n备注', 'quote "inside"', '☆ 五星好评'];
const STATUS = ['已完成', '待发货', '已取消', '退款中'];
const CHANNELS = ['自然流量', '直播', '短视频', '广告', 'Search'];

/** The rows as text, in column order; numbers as written in a CSV export. */
export function* sampleSheetRows(sheet: SampleSheet): Generator<string[]> {
  const next = mulberry32(sheet.seed);
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  for (let r = 0; r < sheet.rows; r++) {
    yield sheet.columns.map((column, c) => {
      if (c > 0 && next() < 0.04) return '';
      switch (column.type) {
        case 'integer':
          return String(int(0, 250_000));
        case 'number':
          return (int(0, 9_999_999) / 100).toFixed(int(1, 2));
        case 'date':
          return `2026-${String(int(1, 12)).padStart(2, '0')}-${String(int(1, 28)).padStart(2, '0')}`;
        case 'datetime':
          return `2026-11-${String(int(1, 28)).padStart(2, '0')} ${String(int(0, 23)).padStart(2, '0')}:${String(int(0, 59)).padStart(2, '0')}:05`;
        case 'text':
          if (c === 0) return `SO${String(sheet.seed).padStart(4, '0')}${String(r).padStart(8, '0')}`;
          return pick(column.name === '状态' ? STATUS : column.name === '渠道' ? CHANNELS : c === 2 ? PRODUCTS : NOTES);
      }
    });
  }
}

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function sampleCsvText(sheet: SampleSheet): string {
  const lines = [...(sheet.titles ?? []).map((t) => [t]), sheet.columns.map((c) => c.name), ...sampleSheetRows(sheet)];
  return lines.map((fields) => `${fields.map(csvField).join(',')}\r\n`).join('');
}

export function writeSampleCsv(path: string, sheet: SampleSheet, encoding: SampleEncoding = 'utf8'): string {
  const text = sampleCsvText(sheet);
  const bytes =
    encoding === 'gbk'
      ? iconv.encode(text, 'gbk')
      : Buffer.concat([Buffer.from(encoding === 'utf8-bom' ? '\ufeff' : ''), Buffer.from(text)]);
  writeFileSync(path, bytes);
  return path;
}

/** An ExcelJS streaming workbook with shared strings, numeric columns stored as numbers. */
export async function writeSampleXlsx(path: string, sheet: SampleSheet): Promise<string> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true });
  workbook.created = workbook.modified = new Date('2026-11-07T00:00:00Z');
  const worksheet = workbook.addWorksheet('data');
  for (const title of sheet.titles ?? []) worksheet.addRow([title]).commit();
  worksheet.addRow(sheet.columns.map((c) => c.name)).commit();
  const numeric = sheet.columns.map((c) => c.type === 'integer' || c.type === 'number');
  for (const row of sampleSheetRows(sheet)) {
    worksheet.addRow(row.map((value, c) => (value === '' ? null : numeric[c] ? Number(value) : value))).commit();
  }
  await workbook.commit();
  return path;
}
