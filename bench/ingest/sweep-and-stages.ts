/**
 * Optional runs beside the parts: the INGEST_BATCH_ROWS sweep (all inserts at each BENCH_BATCHES size, order
 * rotated per run) and the database-free stages (source, + prepare, + serialize) of the Node side.
 */
import { log } from '../lib/bench-env';
import { kilo, mb, round } from '../lib/stats';
import { Context, describe, ingestRun, stageRun, timeLeft } from './harness';
import type { IngestChildResult } from './ingest-child';
import type { Stage, StageResult } from './stages-child';

export type Sweep = Record<string, Record<number, IngestChildResult[]>>;
export type Stages = Record<string, Record<string, StageResult[]>>;

const kindOf = (path: string): string => (path.endsWith('.csv') ? 'CSV' : 'XLSX');

export async function sweep(
  ctx: Context,
  path: string,
  expectRows: number,
): Promise<Record<number, IngestChildResult[]>> {
  const { batches, runs } = ctx.options;
  const out: Record<number, IngestChildResult[]> = {};
  for (let run = 0; run < runs && timeLeft(ctx, 'sweep'); run++) {
    // Rotate the order so no batch size always runs first.
    const order = batches.map((_, i) => batches[(i + run) % batches.length]);
    for (const batchRows of order) {
      const r = await ingestRun(ctx, path, { fresh: true, expectRows, batchRows });
      (out[batchRows] ??= []).push(r);
      log(`sweep ${kindOf(path)} batch ${batchRows}: ${describe(r)}`);
    }
  }
  return out;
}

export async function stages(ctx: Context, path: string): Promise<Record<string, StageResult[]>> {
  const all: Stage[] = ['source', 'prepare', 'serialize'];
  const out: Record<string, StageResult[]> = {};
  for (let run = 0; run < ctx.options.runs && timeLeft(ctx, 'stages'); run++) {
    for (const stage of all.map((_, i) => all[(i + run) % all.length])) {
      const r = await stageRun(ctx, path, stage);
      (out[stage] ??= []).push(r);
      log(
        `stage ${kindOf(path)} ${stage}: ${kilo(r.rowsPerSec)} rows/s (${round(r.seconds, 2)} s, CPU ${round(r.cpuSeconds, 1)} s, peak RSS ${mb(r.peakRssBytes)} MB)`,
      );
    }
  }
  return out;
}
