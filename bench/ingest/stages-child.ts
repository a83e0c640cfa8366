/**
 * The Node side of the ingest without the database, stage by stage, to see what each adds:
 *   source     — openRowSource(file).rows, iterated (the app's streaming reader: CSV tokenizer / XLSX reader)
 *   prepare    — + RowPreparer.prepare (type checks, record JSON, row key) and the per-batch dedup map
 *   serialize  — + the batch's COPY lines, encoded and joined, as FileIngester does
 * Prints one `BENCH_RESULT {json}` line.  env: BENCH_FILE, BENCH_STAGE, BENCH_BATCH_ROWS (5000),
 * BENCH_CPU_PROFILE (path, optional).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { basename } from 'node:path';
import { openRowSource, rowKeyScope } from '@app/parsing';
import { copyLine } from '@app/sync-tasks/ingest/fact-rows.repository';
import { RowPreparer } from '@app/sync-tasks/ingest/row-preparer';
import type { Template } from '@app/sync-tasks';
import { SAMPLE_TEMPLATES } from '../../src/seed/sample-templates';
import { maxRssBytes, sampleRss } from '../lib/rss';
import { runMain } from '../lib/main';

export type Stage = 'source' | 'prepare' | 'serialize';

export interface StageResult {
  stage: Stage;
  rows: number;
  seconds: number;
  rowsPerSec: number;
  cpuSeconds: number;
  peakRssBytes: number;
  maxRssBytes: number;
  jsonBytes: number;
}

async function main(): Promise<void> {
  const path = process.env.BENCH_FILE as string;
  const stage = (process.env.BENCH_STAGE ?? 'source') as Stage;
  const batchRows = Number(process.env.BENCH_BATCH_ROWS || 5000);
  const format = path.endsWith('.xlsx') ? 'xlsx' : 'csv';
  const [platform, , domain] = basename(path).split('__');
  const sample = SAMPLE_TEMPLATES.find((t) => t.platform === platform && t.dataDomain === domain);
  if (!sample) throw new Error(`no template for ${path}`);
  const template = { ...sample, published: true } as unknown as Template;

  const profiler = process.env.BENCH_CPU_PROFILE ? new Session() : undefined;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  const sampler = sampleRss(20);
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const source = await openRowSource(path, format, { headerRow: sample.headerRow });
  const preparer = new RowPreparer(
    source.headers,
    template,
    format === 'xlsx',
    rowKeyScope([platform, 'bench-shop', domain, '', 'daily']),
  );
  let rows = 0;
  let jsonBytes = 0;
  let batch = new Map<string, unknown>();
  let inBatch = 0;
  const flush = (): void => {
    if (stage === 'serialize') jsonBytes += Buffer.concat([...batch.values()] as Buffer[]).length;
    batch = new Map();
    inBatch = 0;
  };
  for await (const row of source.rows) {
    rows++;
    if (stage === 'source') continue;
    const prepared = preparer.prepare(row.values);
    if (prepared.ok) {
      const kept =
        stage === 'serialize' ? Buffer.from(copyLine(1, prepared.key, prepared.date, prepared.json)) : prepared;
      batch.set(prepared.key, kept);
    }
    if (++inBatch >= batchRows) flush();
  }
  if (inBatch) flush();
  await source.close();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  if (profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    writeFileSync(process.env.BENCH_CPU_PROFILE as string, JSON.stringify(profile));
  }
  const result: StageResult = {
    stage,
    rows,
    seconds,
    rowsPerSec: rows / seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssBytes: sampler.stop().peakBytes,
    maxRssBytes: maxRssBytes(),
    jsonBytes,
  };
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}

runMain(main);
