/**
 * Part `xlsx`: the XLSX ingest beside the bare ExcelJS streaming read of the same file, alternating (bare
 * read, ingest, no-change re-run; × BENCH_RUNS).
 */
import { log } from '../lib/bench-env';
import { kilo, mb } from '../lib/stats';
import { fileSize } from './bench-files';
import { bareXlsxRun, Context, describe, ingestRun, timeLeft } from './harness';
import type { IngestChildResult } from './ingest-child';
import type { XlsxReadResult } from './xlsx-read-child';

export interface XlsxResults {
  rows: number;
  fileBytes: number;
  bare: XlsxReadResult[];
  fresh: IngestChildResult[];
  rerun: IngestChildResult[];
}

export async function xlsxBench(ctx: Context, path: string): Promise<XlsxResults> {
  const rows = ctx.options.xlsxRows;
  const out: XlsxResults = { rows, fileBytes: fileSize(path), bare: [], fresh: [], rerun: [] };
  for (let run = 1; run <= ctx.options.runs && timeLeft(ctx, 'XLSX runs'); run++) {
    const bare = await bareXlsxRun(ctx, path);
    out.bare.push(bare);
    log(`XLSX run ${run}: bare ExcelJS read ${kilo(bare.rowsPerSec)} rows/s, peak RSS ${mb(bare.peakRssBytes)} MB`);
    const fresh = await ingestRun(ctx, path, { fresh: true, expectRows: rows });
    out.fresh.push(fresh);
    log(`XLSX run ${run}: ingest all-inserts ${describe(fresh)}`);
    const rerun = await ingestRun(ctx, path, { fresh: false, expectRows: rows });
    out.rerun.push(rerun);
    log(`XLSX run ${run}: ingest no-change   ${describe(rerun)}`);
  }
  return out;
}
