/**
 * BENCH_PROFILE=1: one CPU-profiled run per measured ingest (with phase timings), after the measured runs, plus
 * the bare ExcelJS read and the app's XLSX row source alone. Each section says where the worker's time went.
 */
import { existsSync } from 'node:fs';
import { log } from '../lib/bench-env';
import { formatSummary, summariseProfile } from '../lib/cpu-profile';
import { kilo, pct, round } from '../lib/stats';
import { bareXlsxRun, Context, describe, ingestRun, profilePath, stageRun, timeLeft } from './harness';
import type { IngestChildResult } from './ingest-child';
import type { PhaseTimes } from './phases';

export interface ProfiledRun {
  name: string;
  files: string | string[];
  fresh: boolean;
  rows: number;
}

export async function profileRuns(ctx: Context, runs: ProfiledRun[], xlsxPath?: string): Promise<string[]> {
  const sections: string[] = [];
  if (xlsxPath && timeLeft(ctx, 'profile of the bare XLSX read')) sections.push(await xlsxReadProfiles(ctx, xlsxPath));
  for (const run of runs) {
    if (!timeLeft(ctx, `profile ${run.name}`)) break;
    const r = await ingestRun(ctx, run.files, { fresh: run.fresh, expectRows: run.rows, profile: run.name });
    const lines = [`## profile: ${run.name} — ${describe(r)}`, ...phaseLines(r)];
    const file = profilePath(ctx, run.name);
    if (existsSync(file)) lines.push('', formatSummary(run.name, summariseProfile(file, 30, [ctx.build]), 20));
    sections.push(lines.join('\n'));
    log(`profiled ${run.name}`);
  }
  return sections;
}

async function xlsxReadProfiles(ctx: Context, xlsxPath: string): Promise<string> {
  const bareProfile = profilePath(ctx, 'xlsx-bare-read');
  const bare = await bareXlsxRun(ctx, xlsxPath, bareProfile);
  const sourceProfile = profilePath(ctx, 'xlsx-source-stage');
  const source = await stageRun(ctx, xlsxPath, 'source', sourceProfile);
  return [
    `## profile: bare ExcelJS read — ${kilo(bare.rowsPerSec)} rows/s`,
    formatSummary('xlsx-bare-read', summariseProfile(bareProfile, 30, [ctx.build]), 15),
    '',
    `## profile: app XLSX row source only (stage source) — ${kilo(source.rowsPerSec)} rows/s`,
    formatSummary('xlsx-source-stage', summariseProfile(sourceProfile, 30, [ctx.build]), 15),
  ].join('\n');
}

function phaseLines(r: IngestChildResult): string[] {
  const phases = r.phases;
  if (!phases) return [];
  const totalMs = r.seconds * 1000;
  const share = (ms: number): string => `${round(ms)} ms (${pct(ms / totalMs)})`;
  return [
    `phases of ${round(totalMs)} ms wall (commits overlap reading and preparing, so shares overlap too):`,
    `  RowPreparer.prepare (types, record, hash):   ${share(phases.prepareMs)} over ${phases.prepareCalls} rows`,
    `  FileIngester.commit (batch transaction):     ${share(phases.commitMs)} over ${phases.commits} batches`,
    `    FactRowsRepository.upsert (COPY + merge):  ${share(phases.upsertMs)}`,
    `    CatalogRepository.recordBatches:          ${share(phases.recordBatchMs)}`,
    `    rest of the transaction (BEGIN/COMMIT, quarantine): ${share(phases.commitMs - phases.upsertMs - phases.recordBatchMs)}`,
    `  TasksRepository.saveProgress:                ${share(phases.saveProgressMs)}`,
    `  node CPU ${round(r.nodeCpuSeconds, 2)} s, PostgreSQL backend CPU ${r.pgBackendCpuSeconds ?? '?'} s`,
    ...perFileLines(phases),
  ];
}

/** The calls each file pays once, whatever its size: the fixed cost a batch of small files multiplies. */
function perFileLines(phases: PhaseTimes): string[] {
  const files = Math.max(1, phases.files);
  const each = (ms: number): string => `${round(ms)} ms (${round(ms / files, 2)} ms per file)`;
  const calls = Object.entries(phases.perFileMs).sort((a, b) => b[1] - a[1]);
  return [
    `  FileIngester.ingest over ${phases.files} file(s): ${each(phases.fileMs)}; the calls made around each file's batches:`,
    ...calls.map(([name, ms]) => `    ${name.padEnd(36)} ${each(ms)}`),
    `    all of them                          ${each(calls.reduce((sum, [, ms]) => sum + ms, 0))}`,
  ];
}
