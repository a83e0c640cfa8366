/**
 * The restated ingest goals of issue 14, each judged against its limit measured in the same run: figure,
 * ratio and verdict, printed last by the bench.
 */
import { kilo, mb, median, pct, round, table } from '../lib/stats';
import type { IngestChildResult } from './ingest-child';
import type { IngestBenchOptions } from './options';
import type { Results } from './results';

type Verdict = 'met' | 'not met' | 'not measured' | 'invalid: a run did not ingest every row';

interface GoalLine {
  goal: string;
  figure: string;
  ratio: string;
  verdict: Verdict;
}

const RSS_LIMIT_MB = 300;
const rate = (xs: { rowsPerSec: number }[]): number => median(xs.map((x) => x.rowsPerSec));
const runCount = (xs: unknown[]): string => `median of ${xs.length} run${xs.length === 1 ? '' : 's'}`;
/** A run that did not insert every row of its files measured something else. */
const failed = (xs: IngestChildResult[], rows: number): boolean =>
  xs.some((x) => x.status !== 'ingested' || x.rows !== rows || x.inserted !== rows);

export function formatGoals(results: Results, options: IngestBenchOptions): string {
  const lines = [csvVsCopy(results), xlsxVsCsv(results), smallFiles(results), peakRss(results)];
  const parts = [
    '## goals (issue 14), against limits measured in this run',
    '',
    table(
      ['goal', 'figure', 'ratio', 'verdict'],
      lines.map((l) => [l.goal, l.figure, l.ratio, `**${l.verdict}**`]),
    ),
  ];
  const quick = quickSizes(options);
  if (quick) parts.push('', `Quick run (${quick}): sizes below the goals', so the verdicts are indicative only.`);
  return parts.join('\n');
}

function csvVsCopy({ csv }: Results): GoalLine {
  const goal = 'CSV ingest ≥ 50 % of COPY into a logged table with the same dedup key';
  if (!csv?.fresh.length) return notMeasured(goal, 'csv');
  const ingest = rate(csv.fresh);
  const keyed = rate(csv.copyKeyed);
  return judge(
    goal,
    `${kilo(ingest)} vs ${kilo(keyed)} rows/s (${csv.rows} rows, ${runCount(csv.fresh)})`,
    ingest / keyed,
    (r) => r >= 0.5,
    failed(csv.fresh, csv.rows),
  );
}

function xlsxVsCsv({ xlsxVsCsv: pair }: Results): GoalLine {
  const goal = 'XLSX ingest ≥ 90 % of the CSV ingest rate, same rows';
  if (!pair?.xlsx.length) return notMeasured(goal, 'xlsx-vs-csv');
  const xlsx = rate(pair.xlsx);
  const csv = rate(pair.csv);
  return judge(
    goal,
    `XLSX ${kilo(xlsx)} vs CSV ${kilo(csv)} rows/s (${pair.template}, ${pair.rows} rows, ${runCount(pair.xlsx)})`,
    xlsx / csv,
    (r) => r >= 0.9,
    failed([...pair.xlsx, ...pair.csv], pair.rows),
  );
}

function smallFiles({ smallFiles: small }: Results): GoalLine {
  const goal = 'many small files in one batch ≥ 85 % of the rows/s of one file';
  if (!small?.batch.length) return notMeasured(goal, 'small-files');
  const rows = small.files * small.rowsPerFile;
  const batch = rate(small.batch);
  const single = rate(small.single);
  const extraMs = (rows / batch - rows / single) * 1000;
  return judge(
    goal,
    `${small.files} × ${small.rowsPerFile} rows: ${kilo(batch)} vs ${kilo(single)} rows/s (${small.format}, ≈ ${round(extraMs / small.files)} ms extra per file, ${runCount(small.batch)})`,
    batch / single,
    (r) => r >= 0.85,
    failed([...small.batch, ...small.single], rows),
  );
}

/** The kernel's high-water mark of each ingest child (start-up included), over every run at the default batch. */
function peakRss(results: Results): GoalLine {
  const goal = `worker peak RSS < ${RSS_LIMIT_MB} MB for any file`;
  const runs = defaultBatchRuns(results);
  if (!runs.length) return notMeasured(goal, 'any');
  const worst = runs.reduce((a, b) => (b.maxRssBytes > a.maxRssBytes ? b : a));
  const sampled = Math.max(...runs.map((r) => r.peakRssRunBytes));
  const figure = `${mb(worst.maxRssBytes)} MB maxRSS (${worst.file}); sampled peak during the run ${mb(sampled)} MB; ${runs.length} runs`;
  const ratio = mb(worst.maxRssBytes) / RSS_LIMIT_MB;
  return { goal, figure, ratio: `${pct(ratio)} of the limit`, verdict: ratio < 1 ? 'met' : 'not met' };
}

function defaultBatchRuns(r: Results): IngestChildResult[] {
  return [
    ...(r.csv ? [...r.csv.fresh, ...r.csv.rerun] : []),
    ...(r.xlsx ? [...r.xlsx.fresh, ...r.xlsx.rerun] : []),
    ...(r.xlsxVsCsv ? [...r.xlsxVsCsv.csv, ...r.xlsxVsCsv.xlsx] : []),
    ...(r.smallFiles ? [...r.smallFiles.single, ...r.smallFiles.batch] : []),
  ];
}

function judge(
  goal: string,
  figure: string,
  ratio: number,
  met: (ratio: number) => boolean,
  invalid: boolean,
): GoalLine {
  const verdict: Verdict = invalid ? 'invalid: a run did not ingest every row' : met(ratio) ? 'met' : 'not met';
  return { goal, figure, ratio: pct(ratio), verdict };
}

function notMeasured(goal: string, part: string): GoalLine {
  return { goal, figure: `part ${part} not run (BENCH_ONLY)`, ratio: '—', verdict: 'not measured' };
}

/** The sizes that fall short of the goals' (CSV 1 M rows, 200 k-row pair, 100 × 2,000 small files), if any. */
function quickSizes(o: IngestBenchOptions): string {
  const short: string[] = [];
  if (o.parts.has('csv') && o.csvRows < 1_000_000) short.push(`CSV ${o.csvRows} rows`);
  if (o.parts.has('xlsx-vs-csv') && o.pairRows < 200_000) short.push(`xlsx-vs-csv ${o.pairRows} rows`);
  if (o.parts.has('small-files') && (o.smallFiles < 100 || o.smallFileRows !== 2_000)) {
    short.push(`small files ${o.smallFiles} × ${o.smallFileRows}`);
  }
  return short.join(', ');
}
