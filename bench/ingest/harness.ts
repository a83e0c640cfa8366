/**
 * What every part of the ingest bench shares: the bench database and Redis prefix, and one child process per
 * measured run (the real pipeline, the bare ExcelJS read, the database-free stages), run with the worker's V8
 * flags (options.nodeFlags).
 */
import { join } from 'node:path';
import type { Client } from 'pg';
import { BenchDatabase, compiledChild, log, parseChildResult, REDIS_URL, runChecked } from '../lib/bench-env';
import { kilo, mb, round } from '../lib/stats';
import type { IngestChildResult } from './ingest-child';
import type { IngestBenchOptions } from './options';
import type { Stage, StageResult } from './stages-child';
import type { XlsxReadResult } from './xlsx-read-child';

export const CHILD_TIMEOUT_MS = 20 * 60_000;

export interface Context {
  db: BenchDatabase;
  pg: Client;
  prefix: string;
  profDir: string;
  /** Compiled child scripts (see compileChildren). */
  build: string;
  options: IngestBenchOptions;
}

export interface IngestRunOptions {
  /** All inserts (fact rows truncated first) or a no-change re-run onto the rows already there. */
  fresh: boolean;
  expectRows: number;
  batchRows?: number;
  /** Name of a CPU profile (with phase timings) to take of this run. */
  profile?: string;
}

export function timeLeft(ctx: Context, what: string): boolean {
  if (Date.now() < ctx.options.deadline) return true;
  log(`BENCH_MAX_MINUTES reached: skipping ${what}`);
  return false;
}

/** One task through the real pipeline: one file (a single task) or several (one batch task, in this order). */
export async function ingestRun(
  ctx: Context,
  files: string | string[],
  options: IngestRunOptions,
): Promise<IngestChildResult> {
  const paths = typeof files === 'string' ? [files] : files;
  if (options.fresh) await ctx.pg.query('TRUNCATE fact_rows, quarantined_rows');
  await ctx.pg.query('CHECKPOINT');
  const child = compiledChild(
    ctx.build,
    'bench/ingest/ingest-child.ts',
    {
      DATABASE_URL: ctx.db.url,
      REDIS_URL,
      REDIS_PREFIX: ctx.prefix,
      BENCH_FILES: paths.join('\n'),
      INGEST_BATCH_ROWS: options.batchRows ? String(options.batchRows) : '',
      BENCH_PHASES: options.profile ? '1' : '0',
      BENCH_CPU_PROFILE: options.profile ? profilePath(ctx, options.profile) : '',
    },
    ctx.options.nodeFlags,
  );
  const result = await runChecked(process.execPath, child.args, { env: child.env, timeoutMs: CHILD_TIMEOUT_MS });
  const r = parseChildResult<IngestChildResult>(result.stdout);
  const expected = options.fresh ? r.inserted : r.unchanged;
  if (r.status !== 'ingested' || r.rows !== options.expectRows || expected !== options.expectRows) {
    log(
      `WARNING: unexpected result for ${r.file}: status ${r.status} (${r.error}), rows ${r.rows}, inserted ${r.inserted}, updated ${r.updated}, unchanged ${r.unchanged}, quarantined ${r.quarantined}`,
    );
  }
  return r;
}

export function profilePath(ctx: Context, name: string): string {
  return join(ctx.profDir, `${name}.cpuprofile`);
}

export function describe(r: IngestChildResult): string {
  return `${kilo(r.rowsPerSec)} rows/s (${round(r.seconds, 2)} s, batch ${r.batchRows}), peak RSS ${mb(r.peakRssRunBytes)} MB (maxRSS ${mb(r.maxRssBytes)} MB), node CPU ${round(r.nodeCpuSeconds, 1)} s, pg CPU ${r.pgBackendCpuSeconds ?? '?'} s`;
}

export async function bareXlsxRun(ctx: Context, path: string, profile = ''): Promise<XlsxReadResult> {
  const child = compiledChild(
    ctx.build,
    'bench/ingest/xlsx-read-child.ts',
    {
      BENCH_FILE: path,
      BENCH_CPU_PROFILE: profile,
    },
    ctx.options.nodeFlags,
  );
  const result = await runChecked(process.execPath, child.args, { env: child.env, timeoutMs: CHILD_TIMEOUT_MS });
  return parseChildResult<XlsxReadResult>(result.stdout);
}

export async function stageRun(ctx: Context, path: string, stage: Stage, profile = ''): Promise<StageResult> {
  const child = compiledChild(
    ctx.build,
    'bench/ingest/stages-child.ts',
    {
      BENCH_FILE: path,
      BENCH_STAGE: stage,
      BENCH_CPU_PROFILE: profile,
    },
    ctx.options.nodeFlags,
  );
  const result = await runChecked(process.execPath, child.args, { env: child.env, timeoutMs: CHILD_TIMEOUT_MS });
  return parseChildResult<StageResult>(result.stdout);
}

/** Alternates two measurements, swapping which goes first every other run so neither always starts cold. */
export async function alternate<A, B>(run: number, a: () => Promise<A>, b: () => Promise<B>): Promise<[A, B]> {
  if (run % 2 === 1) {
    const first = await a();
    return [first, await b()];
  }
  const second = await b();
  return [await a(), second];
}
