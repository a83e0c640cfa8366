/**
 * Ingest benchmark: rows/s of the real pipeline (one child process per run) beside its limit measured in the
 * same run, alternating baseline and ingest:
 *   CSV  (tiktok orders, UTF-8)      vs  psql `\copy` into an UNLOGGED all-text table
 *   XLSX (tiktok analytics, 3 lines above the header)  vs  the bare ExcelJS streaming read of the same file
 * plus the worker's peak RSS, a no-change re-run, an INGEST_BATCH_ROWS sweep and (BENCH_PROFILE=1) a CPU
 * profile with phase timings.
 *
 * env knobs: BENCH_ROWS (quick run: CSV rows, XLSX gets a fifth), BENCH_CSV_ROWS (1000000),
 * BENCH_XLSX_ROWS (200000), BENCH_RUNS (3), BENCH_BATCHES (5000,10000,20000), BENCH_SWEEP=0 (skip the sweep),
 * BENCH_STAGES=0 (skip the database-free stage runs), BENCH_ONLY (csv|xlsx), BENCH_PROFILE (0|1),
 * BENCH_OUT (write the JSON results there), BENCH_MAX_MINUTES (90: later runs are skipped past it).
 */
import {
  closeSync,
  createReadStream,
  createWriteStream,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import Redis from 'ioredis';
import { openPostgres } from '@app/db';
import { SAMPLE_FILES, SampleFileSpec, writeSampleFile } from '../../src/seed/sample-files';
import {
  BenchDatabase,
  compiledChild,
  compileChildren,
  createBenchDatabase,
  deleteRedisPrefix,
  log,
  parseChildResult,
  REDIS_URL,
  runChecked,
  tempDir,
  uniqueRedisPrefix,
} from '../lib/bench-env';
import { formatSummary, summariseProfile } from '../lib/cpu-profile';
import { envInt, envList, kilo, mb, median, pct, round, table } from '../lib/stats';
import type { IngestChildResult } from './ingest-child';
import type { Stage, StageResult } from './stages-child';
import type { XlsxReadResult } from './xlsx-read-child';

const env = process.env;
/** BENCH_ROWS shrinks both files for a quick run (XLSX gets a fifth of it). */
const SCALE_ROWS = envInt(env, 'BENCH_ROWS', 0);
const CSV_ROWS = envInt(env, 'BENCH_CSV_ROWS', SCALE_ROWS || 1_000_000);
const XLSX_ROWS = envInt(env, 'BENCH_XLSX_ROWS', SCALE_ROWS ? Math.max(1, Math.round(SCALE_ROWS / 5)) : 200_000);
const RUNS = Math.max(1, envInt(env, 'BENCH_RUNS', 3));
const BATCHES = envList(env, 'BENCH_BATCHES', [5_000, 10_000, 20_000]);
const SWEEP = env.BENCH_SWEEP !== '0';
const ONLY = env.BENCH_ONLY;
const PROFILE = env.BENCH_PROFILE === '1';
const STAGES = env.BENCH_STAGES !== '0';
const DEADLINE = Date.now() + envInt(env, 'BENCH_MAX_MINUTES', 90) * 60_000;
const CHILD_TIMEOUT_MS = 20 * 60_000;

interface Context {
  db: BenchDatabase;
  pg: Client;
  prefix: string;
  profDir: string;
  /** Compiled child scripts (see compileChildren). */
  build: string;
}

interface Results {
  csv?: CsvResults;
  xlsx?: XlsxResults;
  sweep: Sweep;
  stages: Stages;
  profiles: string[];
}

interface CsvResults {
  rows: number;
  fileBytes: number;
  copy: { seconds: number; rowsPerSec: number }[];
  /** COPY into a logged table with the template's unique key: what any durable, deduplicated load costs. */
  copyKeyed: { seconds: number; rowsPerSec: number }[];
  fresh: IngestChildResult[];
  rerun: IngestChildResult[];
}
interface XlsxResults {
  rows: number;
  fileBytes: number;
  bare: XlsxReadResult[];
  fresh: IngestChildResult[];
  rerun: IngestChildResult[];
}
type Sweep = Record<string, Record<number, IngestChildResult[]>>;
type Stages = Record<string, Record<string, StageResult[]>>;

async function main(): Promise<void> {
  const dir = tempDir('ds-bench-ingest-');
  const db = await createBenchDatabase();
  const prefix = uniqueRedisPrefix();
  const pg = new Client({ connectionString: db.url });
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  log(`database ${db.name}, redis prefix ${prefix}, files in ${dir.path}`);
  try {
    const handle = openPostgres({ url: db.url, poolMax: 2, lockTimeoutMs: 0, statementTimeoutMs: 0 });
    await handle.migrate();
    await handle.close();
    await pg.connect();
    const ctx: Context = { db, pg, prefix, profDir: join(dir.path, 'profiles'), build: join(dir.path, 'build') };
    mkdirSync(ctx.profDir);
    const compileStarted = Date.now();
    await compileChildren(ctx.build);
    log(`compiled the child scripts in ${round((Date.now() - compileStarted) / 1000)} s`);

    const results: Results = { sweep: {}, stages: {}, profiles: [] };
    const csvSpec = spec('tiktok', 'orders', 'csv', CSV_ROWS);
    const xlsxSpec = spec('tiktok', 'analytics', 'xlsx', XLSX_ROWS);
    const csvPath = ONLY === 'xlsx' ? undefined : await generate(join(dir.path, 'csv'), csvSpec);
    const xlsxPath = ONLY === 'csv' ? undefined : await generate(join(dir.path, 'xlsx'), xlsxSpec);

    if (csvPath)
      results.csv = await csvBench(ctx, csvPath, await utf8Copy(csvPath, join(dir.path, 'copy.csv')), csvSpec);
    if (xlsxPath) results.xlsx = await xlsxBench(ctx, xlsxPath);
    if (SWEEP) {
      if (csvPath) results.sweep.csv = await sweep(ctx, csvPath);
      if (xlsxPath) results.sweep.xlsx = await sweep(ctx, xlsxPath);
    }
    if (STAGES) {
      if (csvPath) results.stages.csv = await stages(ctx, csvPath);
      if (xlsxPath) results.stages.xlsx = await stages(ctx, xlsxPath);
    }
    if (PROFILE) results.profiles = await profile(ctx, csvPath, xlsxPath);

    const report = formatReport(results);
    process.stdout.write(`${report}\n`);
    if (env.BENCH_OUT) writeFileSync(env.BENCH_OUT, JSON.stringify({ machine: machine(), ...results }, null, 2));
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

function spec(platform: string, domain: string, format: 'csv' | 'xlsx', rows: number): SampleFileSpec {
  const base = SAMPLE_FILES.find(
    (s) =>
      s.template.platform === platform &&
      s.template.dataDomain === domain &&
      s.format === format &&
      (format === 'xlsx' || s.encoding === 'utf8'),
  );
  if (!base) throw new Error(`no sample spec ${platform}/${domain}/${format}`);
  return { ...base, rows };
}

async function generate(dir: string, s: SampleFileSpec): Promise<string> {
  const started = Date.now();
  const path = await writeSampleFile(dir, s);
  log(`generated ${s.rows} rows of ${s.fileName} in ${round((Date.now() - started) / 1000)} s (not measured)`);
  return path;
}

/** The COPY input: the CSV itself when it is already BOM-less UTF-8, else a copy without the BOM. */
async function utf8Copy(path: string, copyPath: string): Promise<string> {
  const fd = openSync(path, 'r');
  const head = Buffer.alloc(3);
  readSync(fd, head, 0, 3, 0);
  closeSync(fd);
  if (head[0] !== 0xef || head[1] !== 0xbb || head[2] !== 0xbf) return path;
  await pipeline(createReadStream(path, { start: 3 }), createWriteStream(copyPath));
  return copyPath;
}

function timeLeft(what: string): boolean {
  if (Date.now() < DEADLINE) return true;
  log(`BENCH_MAX_MINUTES reached: skipping ${what}`);
  return false;
}

// ------------------------------------------------------------------ CSV

async function csvBench(ctx: Context, path: string, copyInput: string, s: SampleFileSpec): Promise<CsvResults> {
  const columns = s.template.columns.map((_, i) => `c${i + 1} text`).join(', ');
  await ctx.pg.query(`CREATE UNLOGGED TABLE copy_target (${columns})`);
  const key = s.template.dedupFields.map((f) => `c${s.template.columns.findIndex((c) => c.name === f) + 1}`);
  await ctx.pg.query(`CREATE TABLE copy_keyed (${columns}, UNIQUE (${key.join(', ')}))`);
  const out: CsvResults = { rows: s.rows, fileBytes: fileSize(path), copy: [], copyKeyed: [], fresh: [], rerun: [] };
  for (let run = 1; run <= RUNS && timeLeft('CSV runs'); run++) {
    const copy = await copyRun(ctx, copyInput, 'copy_target');
    out.copy.push(copy);
    log(`CSV run ${run}: COPY ${kilo(copy.rowsPerSec)} rows/s (${round(copy.seconds, 2)} s)`);
    const keyed = await copyRun(ctx, copyInput, 'copy_keyed');
    out.copyKeyed.push(keyed);
    log(`CSV run ${run}: COPY into a logged table with the unique key ${kilo(keyed.rowsPerSec)} rows/s`);
    const fresh = await ingestRun(ctx, path, { fresh: true, expectRows: s.rows });
    out.fresh.push(fresh);
    log(`CSV run ${run}: ingest all-inserts ${describe(fresh)}`);
    const rerun = await ingestRun(ctx, path, { fresh: false, expectRows: s.rows });
    out.rerun.push(rerun);
    log(`CSV run ${run}: ingest no-change   ${describe(rerun)}`);
  }
  return out;
}

async function copyRun(
  ctx: Context,
  path: string,
  table: 'copy_target' | 'copy_keyed',
): Promise<{ seconds: number; rowsPerSec: number }> {
  await ctx.pg.query(`TRUNCATE ${table}`);
  await ctx.pg.query('CHECKPOINT');
  const result = await runChecked(
    'psql',
    [
      '-h',
      '127.0.0.1',
      '-U',
      'postgres',
      '-d',
      ctx.db.name,
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      `\\copy ${table} FROM '${path.replace(/'/g, "''")}' WITH (FORMAT csv, HEADER true)`,
    ],
    { timeoutMs: CHILD_TIMEOUT_MS },
  );
  const rows = Number(/COPY (\d+)/.exec(result.stdout)?.[1] ?? NaN);
  const seconds = result.wallMs / 1000;
  return { seconds, rowsPerSec: rows / seconds };
}

// ------------------------------------------------------------------ XLSX

async function xlsxBench(ctx: Context, path: string): Promise<XlsxResults> {
  const out: XlsxResults = { rows: XLSX_ROWS, fileBytes: fileSize(path), bare: [], fresh: [], rerun: [] };
  for (let run = 1; run <= RUNS && timeLeft('XLSX runs'); run++) {
    const bare = await bareXlsxRun(ctx, path);
    out.bare.push(bare);
    log(`XLSX run ${run}: bare ExcelJS read ${kilo(bare.rowsPerSec)} rows/s, peak RSS ${mb(bare.peakRssBytes)} MB`);
    const fresh = await ingestRun(ctx, path, { fresh: true, expectRows: XLSX_ROWS });
    out.fresh.push(fresh);
    log(`XLSX run ${run}: ingest all-inserts ${describe(fresh)}`);
    const rerun = await ingestRun(ctx, path, { fresh: false, expectRows: XLSX_ROWS });
    out.rerun.push(rerun);
    log(`XLSX run ${run}: ingest no-change   ${describe(rerun)}`);
  }
  return out;
}

async function bareXlsxRun(ctx: Context, path: string, profilePath = ''): Promise<XlsxReadResult> {
  const child = compiledChild(ctx.build, 'bench/ingest/xlsx-read-child.ts', {
    BENCH_FILE: path,
    BENCH_CPU_PROFILE: profilePath,
  });
  const result = await runChecked(process.execPath, child.args, { env: child.env, timeoutMs: CHILD_TIMEOUT_MS });
  return parseChildResult<XlsxReadResult>(result.stdout);
}

// ------------------------------------------------------------------ ingest child

async function ingestRun(
  ctx: Context,
  path: string,
  options: { fresh: boolean; expectRows: number; batchRows?: number; profile?: string },
): Promise<IngestChildResult> {
  if (options.fresh) await ctx.pg.query('TRUNCATE fact_rows, quarantined_rows');
  await ctx.pg.query('CHECKPOINT');
  const child = compiledChild(ctx.build, 'bench/ingest/ingest-child.ts', {
    DATABASE_URL: ctx.db.url,
    REDIS_URL,
    REDIS_PREFIX: ctx.prefix,
    BENCH_FILE: path,
    INGEST_BATCH_ROWS: options.batchRows ? String(options.batchRows) : '',
    BENCH_PHASES: options.profile ? '1' : '0',
    BENCH_CPU_PROFILE: options.profile ? join(ctx.profDir, `${options.profile}.cpuprofile`) : '',
  });
  const result = await runChecked(process.execPath, child.args, { env: child.env, timeoutMs: CHILD_TIMEOUT_MS });
  const r = parseChildResult<IngestChildResult>(result.stdout);
  const expected = options.fresh ? r.inserted : r.unchanged;
  if (r.status !== 'ingested' || r.rows !== options.expectRows || expected !== options.expectRows) {
    log(
      `WARNING: unexpected result for ${path}: status ${r.status} (${r.error}), rows ${r.rows}, inserted ${r.inserted}, updated ${r.updated}, unchanged ${r.unchanged}, quarantined ${r.quarantined}`,
    );
  }
  return r;
}

function describe(r: IngestChildResult): string {
  return `${kilo(r.rowsPerSec)} rows/s (${round(r.seconds, 2)} s, batch ${r.batchRows}), peak RSS ${mb(r.peakRssRunBytes)} MB (maxRSS ${mb(r.maxRssBytes)} MB), node CPU ${round(r.nodeCpuSeconds, 1)} s, pg CPU ${r.pgBackendCpuSeconds ?? '?'} s`;
}

// ------------------------------------------------------------------ batch sweep

async function sweep(ctx: Context, path: string): Promise<Record<number, IngestChildResult[]>> {
  const expectRows = path.endsWith('.csv') ? CSV_ROWS : XLSX_ROWS;
  const out: Record<number, IngestChildResult[]> = {};
  for (let run = 0; run < RUNS && timeLeft('sweep'); run++) {
    // Rotate the order so no batch size always runs first.
    const order = BATCHES.map((_, i) => BATCHES[(i + run) % BATCHES.length]);
    for (const batchRows of order) {
      const r = await ingestRun(ctx, path, { fresh: true, expectRows, batchRows });
      (out[batchRows] ??= []).push(r);
      log(`sweep ${path.endsWith('.csv') ? 'CSV' : 'XLSX'} batch ${batchRows}: ${describe(r)}`);
    }
  }
  return out;
}

// ------------------------------------------------------------------ database-free stages

async function stageRun(ctx: Context, path: string, stage: Stage, profilePath = ''): Promise<StageResult> {
  const child = compiledChild(ctx.build, 'bench/ingest/stages-child.ts', {
    BENCH_FILE: path,
    BENCH_STAGE: stage,
    BENCH_CPU_PROFILE: profilePath,
  });
  const result = await runChecked(process.execPath, child.args, { env: child.env, timeoutMs: CHILD_TIMEOUT_MS });
  return parseChildResult<StageResult>(result.stdout);
}

async function stages(ctx: Context, path: string): Promise<Record<string, StageResult[]>> {
  const all: Stage[] = ['source', 'prepare', 'serialize'];
  const out: Record<string, StageResult[]> = {};
  for (let run = 0; run < RUNS && timeLeft('stages'); run++) {
    for (const stage of all.map((_, i) => all[(i + run) % all.length])) {
      const r = await stageRun(ctx, path, stage);
      (out[stage] ??= []).push(r);
      log(
        `stage ${path.endsWith('.csv') ? 'CSV' : 'XLSX'} ${stage}: ${kilo(r.rowsPerSec)} rows/s (${round(r.seconds, 2)} s, CPU ${round(r.cpuSeconds, 1)} s, peak RSS ${mb(r.peakRssBytes)} MB)`,
      );
    }
  }
  return out;
}

// ------------------------------------------------------------------ profile

async function profile(ctx: Context, csvPath?: string, xlsxPath?: string): Promise<string[]> {
  const sections: string[] = [];
  const runs: { name: string; path: string; fresh: boolean; rows: number }[] = [];
  if (csvPath) {
    runs.push({ name: 'csv-all-inserts', path: csvPath, fresh: true, rows: CSV_ROWS });
    runs.push({ name: 'csv-no-change', path: csvPath, fresh: false, rows: CSV_ROWS });
  }
  if (xlsxPath) runs.push({ name: 'xlsx-all-inserts', path: xlsxPath, fresh: true, rows: XLSX_ROWS });
  if (xlsxPath && timeLeft('profile of the bare XLSX read')) {
    const bareProfile = join(ctx.profDir, 'xlsx-bare-read.cpuprofile');
    const bare = await bareXlsxRun(ctx, xlsxPath, bareProfile);
    const sourceProfile = join(ctx.profDir, 'xlsx-source-stage.cpuprofile');
    const source = await stageRun(ctx, xlsxPath, 'source', sourceProfile);
    sections.push(
      [
        `## profile: bare ExcelJS read — ${kilo(bare.rowsPerSec)} rows/s`,
        formatSummary('xlsx-bare-read', summariseProfile(bareProfile, 30, [ctx.build]), 15),
        '',
        `## profile: app XLSX row source only (stage source) — ${kilo(source.rowsPerSec)} rows/s`,
        formatSummary('xlsx-source-stage', summariseProfile(sourceProfile, 30, [ctx.build]), 15),
      ].join('\n'),
    );
  }
  for (const run of runs) {
    if (!timeLeft(`profile ${run.name}`)) break;
    const r = await ingestRun(ctx, run.path, { fresh: run.fresh, expectRows: run.rows, profile: run.name });
    const file = readdirSync(ctx.profDir).find((f) => f.startsWith(run.name));
    const phases = r.phases;
    const lines = [`## profile: ${run.name} — ${describe(r)}`];
    if (phases) {
      const totalMs = r.seconds * 1000;
      const share = (ms: number): string => `${round(ms)} ms (${pct(ms / totalMs)})`;
      lines.push(
        `phases of ${round(totalMs)} ms wall (commits overlap reading and preparing, so shares overlap too):`,
        `  RowPreparer.prepare (types, record, hash):   ${share(phases.prepareMs)} over ${phases.prepareCalls} rows`,
        `  FileIngester.commit (batch transaction):     ${share(phases.commitMs)} over ${phases.commits} batches`,
        `    FactRowsRepository.upsert (COPY + merge):  ${share(phases.upsertMs)}`,
        `    CatalogRepository.recordBatch:            ${share(phases.recordBatchMs)}`,
        `    rest of the transaction (BEGIN/COMMIT, quarantine): ${share(phases.commitMs - phases.upsertMs - phases.recordBatchMs)}`,
        `  TasksRepository.saveProgress:                ${share(phases.saveProgressMs)}`,
        `  node CPU ${round(r.nodeCpuSeconds, 2)} s, PostgreSQL backend CPU ${r.pgBackendCpuSeconds ?? '?'} s`,
      );
    }
    if (file) lines.push('', formatSummary(file, summariseProfile(join(ctx.profDir, file), 30, [ctx.build]), 20));
    sections.push(lines.join('\n'));
    log(`profiled ${run.name}`);
  }
  return sections;
}

// ------------------------------------------------------------------ report

function formatReport(results: Results): string {
  const parts: string[] = ['# ingest bench', '', `machine: ${JSON.stringify(machine())}`, ''];
  const rate = (xs: { rowsPerSec: number }[]): number => median(xs.map((x) => x.rowsPerSec));
  const peak = (xs: IngestChildResult[]): number => Math.max(...xs.map((x) => x.peakRssRunBytes));
  const maxRss = (xs: IngestChildResult[]): number => Math.max(...xs.map((x) => x.maxRssBytes));
  const runs = (xs: { rowsPerSec: number }[]): string => xs.map((x) => kilo(x.rowsPerSec)).join(' / ');
  const rows: (string | number)[][] = [];
  if (results.csv) {
    const c = results.csv;
    const copy = rate(c.copy);
    const keyed = rate(c.copyKeyed);
    rows.push(
      [`CSV ${c.rows} rows, ${mb(c.fileBytes)} MB: COPY → UNLOGGED`, kilo(copy), runs(c.copy), '—', '—', '—'],
      ['CSV COPY → logged table with the unique key', kilo(keyed), runs(c.copyKeyed), pct(keyed / copy), '—', '—'],
      [
        'CSV ingest, all inserts (batch 5000)',
        kilo(rate(c.fresh)),
        runs(c.fresh),
        `${pct(rate(c.fresh) / copy)} (${pct(rate(c.fresh) / keyed)} of keyed)`,
        mb(peak(c.fresh)),
        mb(maxRss(c.fresh)),
      ],
      [
        'CSV ingest, no change (re-run)',
        kilo(rate(c.rerun)),
        runs(c.rerun),
        pct(rate(c.rerun) / copy),
        mb(peak(c.rerun)),
        mb(maxRss(c.rerun)),
      ],
    );
  }
  if (results.xlsx) {
    const x = results.xlsx;
    const bare = rate(x.bare);
    rows.push(
      [
        `XLSX ${x.rows} rows, ${mb(x.fileBytes)} MB: bare ExcelJS read`,
        kilo(bare),
        runs(x.bare),
        '—',
        mb(Math.max(...x.bare.map((b) => b.peakRssBytes))),
        mb(Math.max(...x.bare.map((b) => b.maxRssBytes))),
      ],
      [
        'XLSX ingest, all inserts (batch 5000)',
        kilo(rate(x.fresh)),
        runs(x.fresh),
        pct(rate(x.fresh) / bare),
        mb(peak(x.fresh)),
        mb(maxRss(x.fresh)),
      ],
      [
        'XLSX ingest, no change (re-run)',
        kilo(rate(x.rerun)),
        runs(x.rerun),
        pct(rate(x.rerun) / bare),
        mb(peak(x.rerun)),
        mb(maxRss(x.rerun)),
      ],
    );
  }
  parts.push(
    table(
      ['what', 'median rows/s', 'runs (rows/s)', 'ratio of medians', 'peak RSS (MB, 20 ms samples)', 'maxRSS (MB)'],
      rows,
    ),
  );
  for (const [kind, byBatch] of Object.entries(results.sweep)) {
    parts.push('', `INGEST_BATCH_ROWS sweep, ${kind}, all inserts:`);
    parts.push(
      table(
        ['batch rows', 'median rows/s', 'runs', 'peak RSS max (MB)'],
        Object.entries(byBatch).map(([b, rs]) => [b, kilo(rate(rs)), runs(rs), mb(peak(rs))]),
      ),
    );
  }
  for (const [kind, byStage] of Object.entries(results.stages)) {
    parts.push('', `Node side without the database, ${kind} (stages are cumulative):`);
    parts.push(
      table(
        ['stage', 'median rows/s', 'runs', 'CPU s (median)', 'peak RSS max (MB)'],
        Object.entries(byStage).map(([stage, rs]) => [
          stage,
          kilo(rate(rs)),
          runs(rs),
          round(median(rs.map((r) => r.cpuSeconds)), 1),
          mb(Math.max(...rs.map((r) => r.peakRssBytes))),
        ]),
      ),
    );
  }
  if (results.profiles.length) parts.push('', ...results.profiles);
  return parts.join('\n');
}

function fileSize(path: string): number {
  return statSync(path).size;
}

function machine(): Record<string, unknown> {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memGiB: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
  };
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
