/** The ingest bench's Markdown report: one table per part, the sweep and stages, profiles, then the goals. */
import { kilo, mb, median, pct, round, table } from '../lib/stats';
import { formatGoals } from './goals';
import type { IngestChildResult } from './ingest-child';
import type { IngestBenchOptions } from './options';
import type { CsvResults } from './part-csv';
import type { SmallFilesResults } from './part-small-files';
import type { XlsxResults } from './part-xlsx';
import type { PairResults } from './part-xlsx-vs-csv';
import type { Results } from './results';

type Row = (string | number)[];

const rate = (xs: { rowsPerSec: number }[]): number => median(xs.map((x) => x.rowsPerSec));
const peak = (xs: IngestChildResult[]): number => Math.max(...xs.map((x) => x.peakRssRunBytes));
const maxRss = (xs: IngestChildResult[]): number => Math.max(...xs.map((x) => x.maxRssBytes));
const runs = (xs: { rowsPerSec: number }[]): string => xs.map((x) => kilo(x.rowsPerSec)).join(' / ');
/** Ratio of each run's pair (a run measures both sides back to back). */
const perRun = (a: { rowsPerSec: number }[], b: { rowsPerSec: number }[]): string =>
  a.map((x, i) => (b[i] ? pct(x.rowsPerSec / b[i].rowsPerSec) : '—')).join(' / ');

export function formatReport(results: Results, options: IngestBenchOptions, machine: object): string {
  const flags = options.nodeFlags.length ? options.nodeFlags.join(' ') : "none (V8's defaults)";
  const sections: string[] = [
    `# ingest bench\n\nmachine: ${JSON.stringify(machine)}\n\nchildren's node flags (the worker's): ${flags}`,
  ];
  const rows = [...(results.csv ? csvRows(results.csv) : []), ...(results.xlsx ? xlsxRows(results.xlsx) : [])];
  if (rows.length) {
    sections.push(
      table(
        ['what', 'median rows/s', 'runs (rows/s)', 'ratio of medians', 'peak RSS (MB, 20 ms samples)', 'maxRSS (MB)'],
        rows,
      ),
    );
  }
  if (results.xlsxVsCsv) sections.push(pairTable(results.xlsxVsCsv));
  if (results.smallFiles) sections.push(smallFilesTable(results.smallFiles));
  sections.push(...sweepAndStages(results), ...results.profiles, formatGoals(results, options));
  return sections.join('\n\n');
}

function ingestRow(what: string, xs: IngestChildResult[], ratio: string): Row {
  return [what, kilo(rate(xs)), runs(xs), ratio, mb(peak(xs)), mb(maxRss(xs))];
}

function csvRows(c: CsvResults): Row[] {
  const copy = rate(c.copy);
  const keyed = rate(c.copyKeyed);
  return [
    [`CSV ${c.rows} rows, ${mb(c.fileBytes)} MB: COPY → UNLOGGED`, kilo(copy), runs(c.copy), '—', '—', '—'],
    ['CSV COPY → logged table with the unique key', kilo(keyed), runs(c.copyKeyed), pct(keyed / copy), '—', '—'],
    ingestRow(
      'CSV ingest, all inserts (batch 5000)',
      c.fresh,
      `${pct(rate(c.fresh) / copy)} (${pct(rate(c.fresh) / keyed)} of keyed)`,
    ),
    ingestRow('CSV ingest, no change (re-run)', c.rerun, pct(rate(c.rerun) / copy)),
  ];
}

function xlsxRows(x: XlsxResults): Row[] {
  const bare = rate(x.bare);
  return [
    [
      `XLSX ${x.rows} rows, ${mb(x.fileBytes)} MB: bare ExcelJS read`,
      kilo(bare),
      runs(x.bare),
      '—',
      mb(Math.max(...x.bare.map((b) => b.peakRssBytes))),
      mb(Math.max(...x.bare.map((b) => b.maxRssBytes))),
    ],
    ingestRow('XLSX ingest, all inserts (batch 5000)', x.fresh, pct(rate(x.fresh) / bare)),
    ingestRow('XLSX ingest, no change (re-run)', x.rerun, pct(rate(x.rerun) / bare)),
  ];
}

function pairTable(p: PairResults): string {
  return [
    `xlsx-vs-csv: the same ${p.rows} rows of ${p.template} as CSV (${mb(p.csvBytes)} MB) and XLSX (${mb(p.xlsxBytes)} MB), all inserts, alternating:`,
    table(
      ['what', 'median rows/s', 'runs (rows/s)', 'XLSX / CSV (medians; per run)', 'peak RSS (MB)', 'maxRSS (MB)'],
      [
        ingestRow('CSV ingest', p.csv, '—'),
        ingestRow('XLSX ingest', p.xlsx, `${pct(rate(p.xlsx) / rate(p.csv))} (${perRun(p.xlsx, p.csv)})`),
      ],
    ),
  ].join('\n');
}

function smallFilesTable(s: SmallFilesResults): string {
  const total = s.files * s.rowsPerFile;
  const extra = s.batch.map((b, i) =>
    s.single[i] ? round(((b.seconds - s.single[i].seconds) * 1000) / s.files) : '—',
  );
  return [
    `small-files: ${s.files} ${s.format.toUpperCase()} files of ${s.rowsPerFile} rows of ${s.template} in one batch task vs one file of ${total} rows, all inserts, alternating:`,
    table(
      ['what', 'median rows/s', 'runs (rows/s)', 'batch / one file (medians; per run)', 'peak RSS (MB)', 'maxRSS (MB)'],
      [
        ingestRow(`one file of ${total} rows`, s.single, '—'),
        ingestRow(
          `${s.files} files in one batch`,
          s.batch,
          `${pct(rate(s.batch) / rate(s.single))} (${perRun(s.batch, s.single)}); ms extra per file: ${extra.join(' / ')}`,
        ),
      ],
    ),
  ].join('\n');
}

function sweepAndStages(results: Results): string[] {
  const parts: string[] = [];
  for (const [kind, byBatch] of Object.entries(results.sweep)) {
    parts.push(
      `INGEST_BATCH_ROWS sweep, ${kind}, all inserts:\n` +
        table(
          ['batch rows', 'median rows/s', 'runs', 'peak RSS max (MB)'],
          Object.entries(byBatch).map(([b, rs]) => [b, kilo(rate(rs)), runs(rs), mb(peak(rs))]),
        ),
    );
  }
  for (const [kind, byStage] of Object.entries(results.stages)) {
    parts.push(
      `Node side without the database, ${kind} (stages are cumulative):\n` +
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
  return parts;
}
