import { CatalogFile, TaskView } from './api-client';
import {
  clampPercent,
  formatCount,
  LogProgressRenderer,
  progressLine,
  renderBar,
  TtyProgressRenderer,
} from './progress-bar';
import {
  formatBytes,
  formatDuration,
  formatRate,
  formatTable,
  rowsPerSecond,
  summaryTable,
  SummaryRow,
} from './summary-table';
import { displayWidth, padToWidth, shortenFileName, stripAnsi, truncateToWidth } from './text-width';
import { failureOf, isFinished, snapshotOf, summaryRowOf, track } from './tracked-task';

const LONG_NAME = 'shopee__sg_1001__orders__all__daily__2026-11-01_2026-11-01.csv';

describe('text width', () => {
  it('counts CJK and full-width characters as two columns, combining marks as none', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('订单')).toBe(4);
    expect(displayWidth('Ａb')).toBe(3); // full-width A
    expect(displayWidth('ｶ')).toBe(1); // half-width katakana
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('\x1b[32mok\x1b[0m')).toBe(2);
    expect(stripAnsi('\x1b[2Kx')).toBe('x');
  });

  it('truncates and pads by display width', () => {
    expect(truncateToWidth('hello world', 8)).toBe('hello w…');
    expect(truncateToWidth('short', 8)).toBe('short');
    expect(truncateToWidth('订单编号', 5)).toBe('订单…');
    expect(displayWidth(truncateToWidth('订单编号abc', 6))).toBeLessThanOrEqual(6);
    expect(padToWidth('订单', 6)).toBe('订单  ');
    expect(padToWidth('7', 3, 'right')).toBe('  7');
  });

  it('shortens file names keeping the extension', () => {
    expect(shortenFileName(LONG_NAME, 27)).toBe('shopee__sg_1001__orders…csv');
    expect(shortenFileName('a.csv', 27)).toBe('a.csv');
    const oneOver = 'abcdefgh.csv'; // 12 columns into 11: the dot gives way to the ellipsis
    expect(shortenFileName(oneOver, 11)).toBe('abcdefg…csv');
    expect(displayWidth(shortenFileName('妙手__ms_9001__服务__月报.csv', 12))).toBeLessThanOrEqual(12);
  });
});

describe('progress bar', () => {
  it('renders the bar and never shows it full before 100 %', () => {
    expect(renderBar(0)).toBe('[----------]');
    expect(renderBar(54)).toBe('[#####-----]');
    expect(renderBar(99.6)).toBe('[#########-]');
    expect(renderBar(100)).toBe('[##########]');
    expect(renderBar(250)).toBe('[##########]');
    expect(renderBar(-5, 4)).toBe('[----]');
    expect(clampPercent(Number.NaN)).toBe(0);
  });

  it('renders one progress line', () => {
    const line = progressLine({ fileName: LONG_NAME, status: 'active', percent: 54, rowsDone: 2700, rowsTotal: 5000 });
    expect(line).toMatch(/^\[#####-----\] {2}54% {2}shopee__sg_1001__orders…csv\s+2,700\/5,000 rows {2}active$/);
  });

  it('shows rows without a total, attempts and notes', () => {
    const line = progressLine({
      fileName: 'a.csv',
      status: 'active',
      percent: 0,
      rowsDone: 1234,
      rowsTotal: null,
      attempts: 2,
      note: 'status: ECONNRESET; retrying',
    });
    expect(line).toContain(' 1,234 rows');
    expect(line).toContain('active (attempt 2)  status: ECONNRESET; retrying');
  });

  it('formats counts with thousands separators', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(0)).toBe('0');
  });

  it('redraws in place on a TTY and keeps lines within the terminal width', () => {
    const chunks: string[] = [];
    const tty = new TtyProgressRenderer({ write: (c: string) => chunks.push(c), columns: 40 });
    const snap = { fileName: LONG_NAME, status: 'queued', percent: 0, rowsDone: 0, rowsTotal: null };
    tty.update([snap, snap]);
    tty.update([snap, { ...snap, status: 'active' }]);
    expect(chunks[0].startsWith('\x1b[')).toBe(false);
    expect(chunks[1].startsWith('\x1b[2A')).toBe(true);
    for (const line of chunks.join('').split('\n')) {
      expect(displayWidth(line)).toBeLessThanOrEqual(39);
    }
  });

  it('logs on status changes, every 10 % and on a heartbeat', () => {
    const lines: string[] = [];
    let now = 0;
    const log = new LogProgressRenderer({ write: (c: string) => lines.push(c) }, 5_000, () => now);
    const snap = { fileName: 'a.csv', status: 'queued', percent: 0, rowsDone: 0, rowsTotal: 1000 };
    log.update([snap]);
    log.update([snap]); // nothing new
    log.update([{ ...snap, status: 'active', percent: 3, rowsDone: 30 }]);
    log.update([{ ...snap, status: 'active', percent: 8, rowsDone: 80 }]); // same 10 % bucket, too soon
    log.update([{ ...snap, status: 'active', percent: 12, rowsDone: 120 }]);
    now = 6_000;
    log.update([{ ...snap, status: 'active', percent: 13, rowsDone: 130 }]); // heartbeat
    log.update([{ ...snap, status: 'completed', percent: 100, rowsDone: 1000 }]);
    expect(lines).toHaveLength(5);
    expect(lines.every((l) => l.endsWith('\n'))).toBe(true);
    expect(lines[4]).toContain('completed');
  });
});

describe('summary table', () => {
  it('computes rows per second', () => {
    expect(rowsPerSecond(5000, 2000)).toBe(2500);
    expect(rowsPerSecond(5000, 0)).toBeNull();
    expect(rowsPerSecond(5000, null)).toBeNull();
    expect(formatRate(2500)).toBe('2,500');
    expect(formatRate(2.345)).toBe('2.3');
    expect(formatRate(null)).toBe('-');
  });

  it('formats durations and sizes', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(4200)).toBe('4.2 s');
    expect(formatDuration(125_000)).toBe('2m 05s');
    expect(formatDuration(null)).toBe('-');
    expect(formatBytes(812)).toBe('812 B');
    expect(formatBytes(97_587)).toBe('95.3 KB');
    expect(formatBytes(1_258_291)).toBe('1.2 MB');
  });

  it('aligns columns by display width, CJK included', () => {
    const lines = formatTable(
      [
        { header: 'name', align: 'left' },
        { header: 'n', align: 'right' },
      ],
      [
        ['订单', '1'],
        ['orders', '22'],
      ],
    );
    expect(lines).toEqual(['name     n', '------  --', '订单     1', 'orders  22']);
    expect(new Set(lines.map(displayWidth)).size).toBe(1);
  });

  it('prints one line per task and a totals line', () => {
    const rows: SummaryRow[] = [
      {
        fileName: LONG_NAME,
        status: 'completed',
        rowsTotal: 5000,
        inserted: 5000,
        updated: 0,
        unchanged: 0,
        quarantined: 0,
        durationMs: 2000,
      },
      {
        fileName: 'miaoshou__ms_9001__services.csv',
        status: 'failed',
        rowsTotal: 0,
        inserted: 0,
        updated: 0,
        unchanged: 0,
        quarantined: 0,
        durationMs: null,
      },
    ];
    const lines = summaryTable(rows, 4000);
    expect(lines[0]).toMatch(/^file\s+status\s+rows\s+inserted\s+updated\s+unchanged\s+quarantined\s+rows\/s\s+time$/);
    expect(lines).toHaveLength(6); // header, rule, 2 rows, rule, totals
    expect(lines[2]).toMatch(/completed\s+5,000\s+5,000\s+0\s+0\s+0\s+2,500\s+2\.0 s$/);
    expect(lines[3]).toMatch(/failed\s+0\s+0\s+0\s+0\s+0\s+-\s+-$/);
    expect(lines[5]).toMatch(/^total \(2 files\)\s+1\/2 completed\s+5,000\s+5,000\s+0\s+0\s+0\s+1,250\s+4\.0 s$/);
  });
});

describe('tracked tasks', () => {
  const file: CatalogFile = {
    id: 7,
    file_name: 'a.csv',
    platform: 'shopee',
    shop_id: 'sg_1001',
    data_domain: 'orders',
    granularity: 'daily',
    format: 'csv',
    size_bytes: 100,
    status: 'pending',
  };
  const view = (over: Partial<TaskView>): TaskView => ({
    task_id: 't1',
    status: 'active',
    attempts: 1,
    error: null,
    progress: null,
    started_at: null,
    finished_at: null,
    duration_ms: null,
    files: [
      {
        file_id: 7,
        file_name: 'a.csv',
        status: 'processing',
        rows_total: 0,
        inserted: 0,
        updated: 0,
        unchanged: 0,
        quarantined: 0,
        error: null,
      },
    ],
    ...over,
  });

  it('derives the progress line from the task status', () => {
    const t = track(file);
    expect(snapshotOf(t)).toMatchObject({ status: 'submitting', percent: 0 });
    t.taskId = 't1';
    expect(snapshotOf(t)).toMatchObject({ status: 'queued' });
    t.view = view({
      progress: { files_total: 1, files_done: 0, rows_total: 0, rows_done: 2700, percent: 0, current_file: 'a.csv' },
    });
    expect(snapshotOf(t)).toMatchObject({ status: 'active', percent: 0, rowsDone: 2700, rowsTotal: null });
    t.view = view({
      progress: { files_total: 1, files_done: 0, rows_total: 5000, rows_done: 2700, percent: 0, current_file: 'a.csv' },
    });
    expect(snapshotOf(t)).toMatchObject({ percent: 54, rowsTotal: 5000 });
    expect(isFinished(t)).toBe(false);
  });

  it('summarises completed and failed tasks', () => {
    const done = track(file);
    done.taskId = 't1';
    done.view = view({
      status: 'completed',
      duration_ms: 1000,
      files: [
        {
          file_id: 7,
          file_name: 'a.csv',
          status: 'partial',
          rows_total: 10,
          inserted: 8,
          updated: 0,
          unchanged: 0,
          quarantined: 2,
          error: null,
        },
      ],
    });
    expect(isFinished(done)).toBe(true);
    expect(snapshotOf(done)).toMatchObject({ percent: 100, rowsDone: 10, rowsTotal: 10 });
    expect(summaryRowOf(done)).toMatchObject({ status: 'completed (partial)', rowsTotal: 10, quarantined: 2 });
    expect(failureOf(done)).toBeUndefined();

    const failed = track(file);
    failed.taskId = 't2';
    failed.view = view({ status: 'failed', attempts: 5, error: 'bad header', error_code: 'HEADER_MISMATCH' });
    expect(failureOf(failed)).toBe('failed (after 5 attempts): [HEADER_MISMATCH] bad header');

    const lost = track(file);
    lost.localError = 'submit failed: NOT_FOUND: File 7 not found';
    expect(isFinished(lost)).toBe(true);
    expect(summaryRowOf(lost).status).toBe('error');

    const open = track(file);
    open.taskId = 't3';
    open.view = view({ status: 'active' });
    expect(summaryRowOf(open).status).toBe('active (gave up)');
    expect(failureOf(open)).toBe('still active when the demo gave up');
  });
});
