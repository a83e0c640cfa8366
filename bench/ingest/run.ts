/**
 * Ingest benchmark: rows/s of the real pipeline (one child process per run) beside its limit measured in the
 * same run, alternating, medians of BENCH_RUNS. Parts (BENCH_ONLY, a comma list; all by default):
 *   csv          CSV (tiktok orders, 1 M rows) vs psql `\copy` into an UNLOGGED all-text table and into a
 *                logged table with the dedup key; + a no-change re-run
 *   xlsx         XLSX (tiktok analytics, 3 lines above the header) vs the bare ExcelJS streaming read
 *   xlsx-vs-csv  the same rows as CSV and as XLSX (200 k rows, tiktok orders)
 *   small-files  100 files of 2,000 rows in one batch task vs one file of 200,000 rows
 * plus the worker's peak RSS, an INGEST_BATCH_ROWS sweep and database-free stages (csv and xlsx parts), and
 * (BENCH_PROFILE=1) a CPU profile with phase timings of every kind of run. Ends with the issue-14 goals.
 *
 * env knobs: see options.ts and docs/benchmarks.md ("How to reproduce").
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import Redis from 'ioredis';
import { openPostgres } from '@app/db';
import {
  compileChildren,
  createBenchDatabase,
  deleteRedisPrefix,
  log,
  REDIS_URL,
  tempDir,
  uniqueRedisPrefix,
} from '../lib/bench-env';
import { round } from '../lib/stats';
import { generate, sampleSetSpec, utf8Copy } from './bench-files';
import { Context } from './harness';
import { IngestBenchOptions, readOptions } from './options';
import { csvBench } from './part-csv';
import { smallFilesBench, writeSmallFiles } from './part-small-files';
import { xlsxBench } from './part-xlsx';
import { writePairFiles, xlsxVsCsvBench } from './part-xlsx-vs-csv';
import { ProfiledRun, profileRuns } from './profile';
import { formatReport } from './report';
import type { Results } from './results';
import { stages, sweep } from './sweep-and-stages';
import { machineInfo, runMain } from '../lib/main';

async function main(): Promise<void> {
  const options = readOptions(process.env);
  const dir = tempDir('ds-bench-ingest-');
  const db = await createBenchDatabase();
  const prefix = uniqueRedisPrefix();
  const pg = new Client({ connectionString: db.url });
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  log(`database ${db.name}, redis prefix ${prefix}, files in ${dir.path}; parts ${[...options.parts].join(', ')}`);
  try {
    const handle = openPostgres({ url: db.url, poolMax: 2, lockTimeoutMs: 0, statementTimeoutMs: 0 });
    await handle.migrate();
    await handle.close();
    await pg.connect();
    const ctx: Context = {
      db,
      pg,
      prefix,
      profDir: join(dir.path, 'profiles'),
      build: join(dir.path, 'build'),
      options,
    };
    mkdirSync(ctx.profDir);
    const compileStarted = Date.now();
    await compileChildren(ctx.build);
    log(`compiled the child scripts in ${round((Date.now() - compileStarted) / 1000)} s`);

    const results = await runParts(ctx, dir.path);
    process.stdout.write(`${formatReport(results, options, machineInfo())}\n`);
    if (options.out) writeFileSync(options.out, JSON.stringify({ machine: machineInfo(), ...results }, null, 2));
  } finally {
    await pg.end().catch(() => undefined);
    await db.drop().catch((error: unknown) => log(`drop failed: ${String(error)}`));
    await redis.connect().catch(() => undefined);
    if (redis.status === 'ready') await deleteRedisPrefix(redis, prefix);
    redis.disconnect();
    dir.remove();
    log('cleaned up (database dropped, redis keys and files removed)');
  }
}

/** Writes each selected part's files, runs it, then the sweep, stages and profiles that apply. */
async function runParts(ctx: Context, dir: string): Promise<Results> {
  const o = ctx.options;
  const results: Results = { sweep: {}, stages: {}, profiles: [] };
  const profiled: ProfiledRun[] = [];

  const csvSpec = sampleSetSpec('tiktok', 'orders', 'csv', o.csvRows);
  const csvPath = o.parts.has('csv') ? await generate(join(dir, 'csv'), csvSpec) : undefined;
  const xlsxPath = o.parts.has('xlsx')
    ? await generate(join(dir, 'xlsx'), sampleSetSpec('tiktok', 'analytics', 'xlsx', o.xlsxRows))
    : undefined;
  if (csvPath) {
    results.csv = await csvBench(ctx, csvPath, await utf8Copy(csvPath, join(dir, 'copy.csv')), csvSpec);
    profiled.push({ name: 'csv-all-inserts', files: csvPath, fresh: true, rows: o.csvRows });
    profiled.push({ name: 'csv-no-change', files: csvPath, fresh: false, rows: o.csvRows });
  }
  if (xlsxPath) {
    results.xlsx = await xlsxBench(ctx, xlsxPath);
    profiled.push({ name: 'xlsx-all-inserts', files: xlsxPath, fresh: true, rows: o.xlsxRows });
  }
  if (o.parts.has('xlsx-vs-csv')) {
    const pair = await writePairFiles(ctx, dir);
    results.xlsxVsCsv = await xlsxVsCsvBench(ctx, pair);
    profiled.push({ name: 'xlsx-vs-csv-csv', files: pair.csv, fresh: true, rows: o.pairRows });
    profiled.push({ name: 'xlsx-vs-csv-xlsx', files: pair.xlsx, fresh: true, rows: o.pairRows });
  }
  if (o.parts.has('small-files')) {
    const small = await writeSmallFiles(ctx, dir);
    results.smallFiles = await smallFilesBench(ctx, small);
    const rows = o.smallFiles * o.smallFileRows;
    profiled.push({ name: 'small-files-single', files: small.single, fresh: true, rows });
    profiled.push({ name: 'small-files-batch', files: small.small, fresh: true, rows });
  }

  await sweepAndStages(ctx, results, o, { csvPath, xlsxPath });
  if (o.profile) results.profiles = await profileRuns(ctx, profiled, xlsxPath);
  return results;
}

async function sweepAndStages(
  ctx: Context,
  results: Results,
  o: IngestBenchOptions,
  { csvPath, xlsxPath }: { csvPath?: string; xlsxPath?: string },
): Promise<void> {
  if (o.sweep) {
    if (csvPath) results.sweep.csv = await sweep(ctx, csvPath, o.csvRows);
    if (xlsxPath) results.sweep.xlsx = await sweep(ctx, xlsxPath, o.xlsxRows);
  }
  if (o.stages) {
    if (csvPath) results.stages.csv = await stages(ctx, csvPath);
    if (xlsxPath) results.stages.xlsx = await stages(ctx, xlsxPath);
  }
}

runMain(main);
