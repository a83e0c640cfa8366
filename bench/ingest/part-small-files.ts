/**
 * Part `small-files`: BENCH_SMALL_FILES files of BENCH_SMALL_FILE_ROWS rows submitted as one batch task, against
 * one file holding as many rows (same template and format), each with all inserts, alternating, × BENCH_RUNS.
 * Every small file is its own shop, so its rows are new beside the others'. Restated goal: the batch reaches
 * ≥ 85 % of the single file's rows/s.
 */
import { join } from 'node:path';
import { log } from '../lib/bench-env';
import { kilo, pct, round } from '../lib/stats';
import { benchSpec, generate, templateNamed } from './bench-files';
import { alternate, Context, describe, ingestRun, timeLeft } from './harness';
import type { IngestChildResult } from './ingest-child';

export interface SmallFiles {
  small: string[];
  single: string;
}

export interface SmallFilesResults {
  template: string;
  format: 'csv' | 'xlsx';
  files: number;
  rowsPerFile: number;
  single: IngestChildResult[];
  batch: IngestChildResult[];
}

export async function writeSmallFiles(ctx: Context, dir: string): Promise<SmallFiles> {
  const { smallFiles, smallFileRows, smallFormat: format } = ctx.options;
  const template = templateNamed(ctx.options.smallTemplate);
  const started = Date.now();
  const small: string[] = [];
  for (let i = 0; i < smallFiles; i++) {
    const shop = `bench_small_${String(i).padStart(4, '0')}`;
    small.push(await generate(join(dir, 'small'), benchSpec(template, shop, format, smallFileRows), false));
  }
  log(
    `generated ${smallFiles} files of ${smallFileRows} rows in ${round((Date.now() - started) / 1000)} s (not measured)`,
  );
  const single = await generate(
    join(dir, 'single'),
    benchSpec(template, 'bench_single', format, smallFiles * smallFileRows),
  );
  return { small, single };
}

export async function smallFilesBench(ctx: Context, files: SmallFiles): Promise<SmallFilesResults> {
  const { smallFiles, smallFileRows, smallFormat: format, smallTemplate: template } = ctx.options;
  const rows = smallFiles * smallFileRows;
  const out: SmallFilesResults = {
    template,
    format,
    files: smallFiles,
    rowsPerFile: smallFileRows,
    single: [],
    batch: [],
  };
  for (let run = 1; run <= ctx.options.runs && timeLeft(ctx, 'small-files runs'); run++) {
    const [single, batch] = await alternate(
      run,
      () => ingestRun(ctx, files.single, { fresh: true, expectRows: rows }),
      () => ingestRun(ctx, files.small, { fresh: true, expectRows: rows }),
    );
    out.single.push(single);
    out.batch.push(batch);
    log(`small-files run ${run}: one file of ${rows} rows  ${describe(single)}`);
    log(`small-files run ${run}: ${smallFiles} files in one batch ${describe(batch)}`);
    const extraMs = ((batch.seconds - single.seconds) * 1000) / smallFiles;
    log(
      `small-files run ${run}: batch at ${pct(batch.rowsPerSec / single.rowsPerSec)} of one file (${kilo(batch.rowsPerSec)} vs ${kilo(single.rowsPerSec)} rows/s; ${round(extraMs)} ms extra per file)`,
    );
  }
  return out;
}
