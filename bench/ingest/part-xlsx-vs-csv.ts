/**
 * Part `xlsx-vs-csv`: the same rows (one template, one row seed) written as CSV and as XLSX, each ingested by
 * the real pipeline with all inserts, alternating, × BENCH_RUNS. Restated goal: XLSX ≥ 90 % of the CSV rate.
 * The XLSX holds numbers as numbers (the writer's typed cells), everything else as shared strings.
 */
import { join } from 'node:path';
import { log } from '../lib/bench-env';
import { kilo, pct } from '../lib/stats';
import { benchSpec, fileSize, generate, templateNamed } from './bench-files';
import { alternate, Context, describe, ingestRun, timeLeft } from './harness';
import type { IngestChildResult } from './ingest-child';

export interface PairFiles {
  csv: string;
  xlsx: string;
}

export interface PairResults {
  template: string;
  rows: number;
  csvBytes: number;
  xlsxBytes: number;
  csv: IngestChildResult[];
  xlsx: IngestChildResult[];
}

export async function writePairFiles(ctx: Context, dir: string): Promise<PairFiles> {
  const { pairTemplate, pairRows } = ctx.options;
  const template = templateNamed(pairTemplate);
  const seed = `bench pair ${pairTemplate}`;
  return {
    csv: await generate(join(dir, 'pair-csv'), benchSpec(template, 'bench_pair', 'csv', pairRows, seed)),
    xlsx: await generate(join(dir, 'pair-xlsx'), benchSpec(template, 'bench_pair', 'xlsx', pairRows, seed)),
  };
}

export async function xlsxVsCsvBench(ctx: Context, files: PairFiles): Promise<PairResults> {
  const { pairTemplate: template, pairRows: rows } = ctx.options;
  const out: PairResults = {
    template,
    rows,
    csvBytes: fileSize(files.csv),
    xlsxBytes: fileSize(files.xlsx),
    csv: [],
    xlsx: [],
  };
  for (let run = 1; run <= ctx.options.runs && timeLeft(ctx, 'xlsx-vs-csv runs'); run++) {
    const [csv, xlsx] = await alternate(
      run,
      () => ingestRun(ctx, files.csv, { fresh: true, expectRows: rows }),
      () => ingestRun(ctx, files.xlsx, { fresh: true, expectRows: rows }),
    );
    out.csv.push(csv);
    out.xlsx.push(xlsx);
    log(`xlsx-vs-csv run ${run}: CSV  ${describe(csv)}`);
    log(`xlsx-vs-csv run ${run}: XLSX ${describe(xlsx)}`);
    log(
      `xlsx-vs-csv run ${run}: XLSX at ${pct(xlsx.rowsPerSec / csv.rowsPerSec)} of CSV (${kilo(xlsx.rowsPerSec)} vs ${kilo(csv.rowsPerSec)} rows/s)`,
    );
  }
  return out;
}
