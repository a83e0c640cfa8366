/**
 * The ingest bench's knobs (BENCH_* variables) and the parts it runs. See docs/benchmarks.md, "Ingest".
 */
import { workerNodeFlags } from '../lib/bench-env';
import { envInt, envList } from '../lib/stats';

/**
 * csv: CSV ingest vs COPY (UNLOGGED, and logged with the dedup key); xlsx: XLSX ingest vs the bare ExcelJS
 * read; xlsx-vs-csv: the same rows as CSV and as XLSX through the pipeline; small-files: many small files in
 * one batch task vs one file holding as many rows.
 */
export const PARTS = ['csv', 'xlsx', 'xlsx-vs-csv', 'small-files'] as const;
export type Part = (typeof PARTS)[number];

export interface IngestBenchOptions {
  parts: ReadonlySet<Part>;
  runs: number;
  csvRows: number;
  xlsxRows: number;
  /** xlsx-vs-csv: rows of each file, and the template (`platform/domain`) they follow. */
  pairRows: number;
  pairTemplate: string;
  /** small-files: how many files, rows per file, their format and template; the single file holds them all. */
  smallFiles: number;
  smallFileRows: number;
  smallFormat: 'csv' | 'xlsx';
  smallTemplate: string;
  batches: number[];
  sweep: boolean;
  stages: boolean;
  profile: boolean;
  out: string | undefined;
  /**
   * V8 flags of every measured child: the deployed worker's (see workerNodeFlags), or BENCH_WORKER_NODE_OPTIONS
   * when set (empty: V8's defaults, as the bench ran before session 6).
   */
  nodeFlags: string[];
  /** Epoch ms past which later runs are skipped. */
  deadline: number;
}

export function readOptions(env: NodeJS.ProcessEnv): IngestBenchOptions {
  // BENCH_ROWS shrinks every file for a quick run: CSV gets it, the 200 k-row files a fifth of it, and the
  // small files keep their size but shrink in number, so the per-file overhead weighs as much as at full size.
  const scale = envInt(env, 'BENCH_ROWS', 0);
  const fifth = scale ? Math.max(1, Math.round(scale / 5)) : 200_000;
  const smallFileRows = Math.max(1, envInt(env, 'BENCH_SMALL_FILE_ROWS', 2_000));
  return {
    parts: readParts(env.BENCH_ONLY),
    runs: Math.max(1, envInt(env, 'BENCH_RUNS', 3)),
    csvRows: envInt(env, 'BENCH_CSV_ROWS', scale || 1_000_000),
    xlsxRows: envInt(env, 'BENCH_XLSX_ROWS', fifth),
    pairRows: envInt(env, 'BENCH_PAIR_ROWS', fifth),
    pairTemplate: env.BENCH_PAIR_TEMPLATE || 'tiktok/orders',
    smallFiles: Math.max(2, envInt(env, 'BENCH_SMALL_FILES', scale ? Math.round(fifth / smallFileRows) : 100)),
    smallFileRows,
    smallFormat: readFormat(env.BENCH_SMALL_FORMAT),
    smallTemplate: env.BENCH_SMALL_TEMPLATE || 'tiktok/orders',
    batches: envList(env, 'BENCH_BATCHES', [5_000, 10_000, 20_000]),
    sweep: env.BENCH_SWEEP !== '0',
    stages: env.BENCH_STAGES !== '0',
    profile: env.BENCH_PROFILE === '1',
    out: env.BENCH_OUT || undefined,
    nodeFlags:
      env.BENCH_WORKER_NODE_OPTIONS === undefined
        ? workerNodeFlags()
        : env.BENCH_WORKER_NODE_OPTIONS.split(/\s+/).filter(Boolean),
    deadline: Date.now() + envInt(env, 'BENCH_MAX_MINUTES', 90) * 60_000,
  };
}

/** BENCH_ONLY: one part or a comma list (`csv,small-files`); unset runs them all. */
function readParts(raw: string | undefined): Set<Part> {
  if (!raw) return new Set(PARTS);
  const parts = raw.split(',').map((p) => p.trim());
  const unknown = parts.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (unknown.length) throw new Error(`BENCH_ONLY: unknown part ${unknown.join(', ')} (parts: ${PARTS.join(', ')})`);
  return new Set(parts as Part[]);
}

function readFormat(raw: string | undefined): 'csv' | 'xlsx' {
  if (!raw || raw === 'csv') return 'csv';
  if (raw === 'xlsx') return 'xlsx';
  throw new Error(`BENCH_SMALL_FORMAT must be csv or xlsx, got ${raw}`);
}
