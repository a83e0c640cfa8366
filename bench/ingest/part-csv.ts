/**
 * Part `csv`: the CSV ingest beside two COPYs of the same file, alternating (COPY, keyed COPY, ingest, no-change
 * re-run; × BENCH_RUNS):
 *   - `\copy` into an UNLOGGED all-text table with no index (the original yardstick);
 *   - `\copy` into a logged table with the same columns and a UNIQUE key on the template's dedup columns: the
 *     least any durable, deduplicated load of this file must do (the restated goal: ingest ≥ 50 % of it).
 */
import { log, runChecked } from '../lib/bench-env';
import { kilo, round } from '../lib/stats';
import type { SampleFileSpec } from '../../src/seed/sample-files';
import { fileSize } from './bench-files';
import { CHILD_TIMEOUT_MS, Context, describe, ingestRun, timeLeft } from './harness';
import type { IngestChildResult } from './ingest-child';

export interface CopyResult {
  seconds: number;
  rowsPerSec: number;
}

export interface CsvResults {
  rows: number;
  fileBytes: number;
  copy: CopyResult[];
  /** COPY into a logged table with the template's unique key: what any durable, deduplicated load costs. */
  copyKeyed: CopyResult[];
  fresh: IngestChildResult[];
  rerun: IngestChildResult[];
}

export async function csvBench(ctx: Context, path: string, copyInput: string, s: SampleFileSpec): Promise<CsvResults> {
  await createCopyTables(ctx, s);
  const out: CsvResults = { rows: s.rows, fileBytes: fileSize(path), copy: [], copyKeyed: [], fresh: [], rerun: [] };
  for (let run = 1; run <= ctx.options.runs && timeLeft(ctx, 'CSV runs'); run++) {
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

async function createCopyTables(ctx: Context, s: SampleFileSpec): Promise<void> {
  const columns = s.template.columns.map((_, i) => `c${i + 1} text`).join(', ');
  await ctx.pg.query(`CREATE UNLOGGED TABLE copy_target (${columns})`);
  const key = s.template.dedupFields.map((f) => `c${s.template.columns.findIndex((c) => c.name === f) + 1}`);
  await ctx.pg.query(`CREATE TABLE copy_keyed (${columns}, UNIQUE (${key.join(', ')}))`);
}

async function copyRun(ctx: Context, path: string, table: 'copy_target' | 'copy_keyed'): Promise<CopyResult> {
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
