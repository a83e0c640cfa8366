import { formatCount } from './progress-bar';
import { displayWidth, padToWidth, shortenFileName } from './text-width';

/** One finished (or abandoned) task in the summary. */
export interface SummaryRow {
  fileName: string;
  status: string;
  rowsTotal: number;
  inserted: number;
  updated: number;
  unchanged: number;
  quarantined: number;
  durationMs: number | null;
}

export interface Column {
  header: string;
  align: 'left' | 'right';
  /** Longer cells are shortened (file-name style, keeping the extension). */
  maxWidth?: number;
}

export const FILE_COLUMN_WIDTH = 72;

/** Rows per second, or null when the duration is unknown or zero. */
export function rowsPerSecond(rows: number, durationMs: number | null): number | null {
  if (durationMs === null || !Number.isFinite(durationMs) || durationMs <= 0) return null;
  return rows / (durationMs / 1000);
}

/** `12,345` for fast rates, one decimal below 10 / s, `-` when unknown. */
export function formatRate(rate: number | null): string {
  if (rate === null || !Number.isFinite(rate)) return '-';
  return rate < 10 ? rate.toFixed(1) : formatCount(rate);
}

/** `850 ms`, `4.2 s`, `2m 05s`; `-` when unknown. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  return `${minutes}m ${String(totalSeconds % 60).padStart(2, '0')}s`;
}

/**
 * Lays out a table with columns sized to their widest cell (display width, so CJK text lines up),
 * a rule under the header, and an optional footer below a second rule.
 */
export function formatTable(columns: Column[], body: string[][], footer: string[][] = []): string[] {
  const fit = (cells: string[]): string[] =>
    columns.map((col, i) => {
      const cell = cells[i] ?? '';
      return col.maxWidth !== undefined ? shortenFileName(cell, col.maxWidth) : cell;
    });
  const header = columns.map((c) => c.header);
  const rows = body.map(fit);
  const foot = footer.map(fit);
  const widths = columns.map((_, i) => Math.max(...[header, ...rows, ...foot].map((r) => displayWidth(r[i]))));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => padToWidth(cell, widths[i], columns[i].align))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const lines = [line(header), rule, ...rows.map(line)];
  if (foot.length) lines.push(rule, ...foot.map(line));
  return lines;
}

export const SUMMARY_COLUMNS: Column[] = [
  { header: 'file', align: 'left', maxWidth: FILE_COLUMN_WIDTH },
  { header: 'status', align: 'left' },
  { header: 'rows', align: 'right' },
  { header: 'inserted', align: 'right' },
  { header: 'updated', align: 'right' },
  { header: 'unchanged', align: 'right' },
  { header: 'quarantined', align: 'right' },
  { header: 'rows/s', align: 'right' },
  { header: 'time', align: 'right' },
];

/**
 * The summary: one line per task, then a totals line. In the totals line rows/s is all rows over
 * the wall-clock time of the run (tasks run in parallel, so summing per-task rates would overstate it).
 */
export function summaryTable(rows: SummaryRow[], wallMs: number | null): string[] {
  const body = rows.map((r) => [
    r.fileName,
    r.status,
    formatCount(r.rowsTotal),
    formatCount(r.inserted),
    formatCount(r.updated),
    formatCount(r.unchanged),
    formatCount(r.quarantined),
    formatRate(rowsPerSecond(r.rowsTotal, r.durationMs)),
    formatDuration(r.durationMs),
  ]);
  const sum = (pick: (r: SummaryRow) => number): number => rows.reduce((acc, r) => acc + pick(r), 0);
  const totalRows = sum((r) => r.rowsTotal);
  const completed = rows.filter((r) => r.status.startsWith('completed')).length;
  const totals = [
    `total (${rows.length} file${rows.length === 1 ? '' : 's'})`,
    `${completed}/${rows.length} completed`,
    formatCount(totalRows),
    formatCount(sum((r) => r.inserted)),
    formatCount(sum((r) => r.updated)),
    formatCount(sum((r) => r.unchanged)),
    formatCount(sum((r) => r.quarantined)),
    formatRate(rowsPerSecond(totalRows, wallMs)),
    formatDuration(wallMs),
  ];
  return formatTable(SUMMARY_COLUMNS, body, [totals]);
}

/** `812 B`, `95.3 KB`, `1.2 MB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '-';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
