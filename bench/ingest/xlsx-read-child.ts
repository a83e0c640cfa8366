/**
 * The XLSX baseline: the bare ExcelJS streaming read of the first sheet, nothing else (no cell values
 * touched, no database). Prints one `BENCH_RESULT {json}` line.  env: BENCH_FILE, BENCH_CPU_PROFILE (optional).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import * as ExcelJS from 'exceljs';
import { maxRssBytes, sampleRss } from '../lib/rss';
import { runMain } from '../lib/main';

export interface XlsxReadResult {
  rows: number;
  seconds: number;
  rowsPerSec: number;
  peakRssBytes: number;
  maxRssBytes: number;
}

async function main(): Promise<void> {
  const path = process.env.BENCH_FILE;
  if (!path) throw new Error('BENCH_FILE is required');
  const profiler = process.env.BENCH_CPU_PROFILE ? new Session() : undefined;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  const sampler = sampleRss(20);
  const started = process.hrtime.bigint();
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, {
    sharedStrings: 'cache',
    styles: 'cache',
    worksheets: 'emit',
    hyperlinks: 'ignore',
  });
  let rows = 0;
  let seconds = 0;
  let sheets = 0;
  for await (const sheet of reader) {
    // Only the first sheet is read; the loop goes on so ExcelJS can clean up any temporary file.
    if (sheets++ > 0) continue;
    for await (const row of sheet) if (row) rows++;
    seconds = Number(process.hrtime.bigint() - started) / 1e9;
  }
  if (profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    writeFileSync(process.env.BENCH_CPU_PROFILE as string, JSON.stringify(profile));
  }
  const result: XlsxReadResult = {
    rows,
    seconds,
    rowsPerSec: rows / seconds,
    peakRssBytes: sampler.stop().peakBytes,
    maxRssBytes: maxRssBytes(),
  };
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}

runMain(main);
