import { padToWidth, shortenFileName, truncateToWidth } from './text-width';

/** What one progress line shows about one task. */
export interface ProgressSnapshot {
  fileName: string;
  status: string;
  percent: number;
  rowsDone: number;
  /** Unknown (null or 0) until the worker has counted the file. */
  rowsTotal: number | null;
  attempts?: number;
  /** A short note after the status, e.g. the last polling error. */
  note?: string;
}

export const BAR_WIDTH = 10;
export const NAME_WIDTH = 27;

const numberFormat = new Intl.NumberFormat('en-US');

export function formatCount(n: number): string {
  return numberFormat.format(Math.round(n));
}

export function clampPercent(percent: number): number {
  if (!Number.isFinite(percent)) return 0;
  return Math.min(100, Math.max(0, percent));
}

/** `[#####-----]` for 50 %. Never shows a full bar below 100 %. */
export function renderBar(percent: number, width = BAR_WIDTH): string {
  const p = clampPercent(percent);
  let filled = Math.round((p / 100) * width);
  if (p < 100 && filled === width) filled = width - 1;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** `[#####-----]  54%  shopee__sg_1001__orders…csv  2,700/5,000 rows  active` */
export function progressLine(snap: ProgressSnapshot, nameWidth = NAME_WIDTH, barWidth = BAR_WIDTH): string {
  const percent = Math.floor(clampPercent(snap.percent));
  const rows =
    snap.rowsTotal && snap.rowsTotal > 0
      ? `${formatCount(snap.rowsDone)}/${formatCount(snap.rowsTotal)} rows`
      : `${formatCount(snap.rowsDone)} rows`;
  const attempt = snap.attempts && snap.attempts > 1 ? ` (attempt ${snap.attempts})` : '';
  const note = snap.note ? `  ${snap.note}` : '';
  return [
    `${renderBar(percent, barWidth)} ${padToWidth(`${percent}%`, 4, 'right')}`,
    padToWidth(shortenFileName(snap.fileName, nameWidth), nameWidth),
    padToWidth(rows, 19, 'right'),
    `${snap.status}${attempt}${note}`,
  ].join('  ');
}

/** Draws the progress of a set of tasks, either redrawn in place (TTY) or as a log (CI). */
export interface ProgressRenderer {
  update(snapshots: ProgressSnapshot[]): void;
  /** Final state; leaves the cursor below the lines. */
  finish(snapshots: ProgressSnapshot[]): void;
}

export interface Output {
  write(chunk: string): unknown;
  columns?: number;
}

/** Redraws one line per task with ANSI cursor-up; lines are cut to the terminal width so they never wrap. */
export class TtyProgressRenderer implements ProgressRenderer {
  private drawn = 0;

  constructor(private readonly out: Output) {}

  update(snapshots: ProgressSnapshot[]): void {
    const width = Math.max(20, (this.out.columns ?? 100) - 1);
    let frame = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    for (const snap of snapshots) frame += `\r\x1b[2K${truncateToWidth(progressLine(snap), width)}\n`;
    this.out.write(frame);
    this.drawn = snapshots.length;
  }

  finish(snapshots: ProgressSnapshot[]): void {
    this.update(snapshots);
    this.drawn = 0;
  }
}

interface Logged {
  status: string;
  bucket: number;
  note?: string;
  rowsDone: number;
  at: number;
}

/**
 * For logs (CI has no TTY): a line when a task changes status, crosses another 10 % or gets a new
 * note, and at most every `heartbeatMs` while its row count moves (the worker's percent is per file).
 */
export class LogProgressRenderer implements ProgressRenderer {
  private readonly last = new Map<number, Logged>();

  constructor(
    private readonly out: Output,
    private readonly heartbeatMs = 5_000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  update(snapshots: ProgressSnapshot[]): void {
    const now = this.now();
    snapshots.forEach((snap, i) => {
      const bucket = Math.floor(clampPercent(snap.percent) / 10);
      const prev = this.last.get(i);
      const changed =
        !prev ||
        prev.status !== snap.status ||
        bucket > prev.bucket ||
        prev.note !== snap.note ||
        (snap.rowsDone !== prev.rowsDone && now - prev.at >= this.heartbeatMs);
      if (!changed) return;
      this.last.set(i, { status: snap.status, bucket, note: snap.note, rowsDone: snap.rowsDone, at: now });
      this.out.write(`${progressLine(snap)}\n`);
    });
  }

  finish(snapshots: ProgressSnapshot[]): void {
    this.update(snapshots);
  }
}

export function createRenderer(out: Output & { isTTY?: boolean }): ProgressRenderer {
  return out.isTTY ? new TtyProgressRenderer(out) : new LogProgressRenderer(out);
}
