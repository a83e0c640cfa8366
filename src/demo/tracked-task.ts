import { CatalogFile, TaskView, TERMINAL_STATUSES } from './api-client';
import { clampPercent, ProgressSnapshot } from './progress-bar';
import { SummaryRow } from './summary-table';

/** One file of the demo and what we know of its task. */
export interface TrackedTask {
  file: CatalogFile;
  taskId?: string;
  /** The last task status read from the API (the full view once it has finished). */
  view?: TaskView;
  /** The task list says it has finished; its full view is still to be read. */
  finishedUnread?: boolean;
  /** Submission or polling failed for good (e.g. 404, validation); the task counts as failed. */
  localError?: string;
  /** Do not call the API for this task before this time (Retry-After, back-off). */
  notBefore: number;
  /** Consecutive transient failures, for the back-off. */
  failures: number;
  /** A short note shown on its progress line, e.g. the last polling error. */
  note?: string;
}

export function track(file: CatalogFile): TrackedTask {
  return { file, notBefore: 0, failures: 0 };
}

export function isFinished(task: TrackedTask): boolean {
  return task.localError !== undefined || (task.view !== undefined && TERMINAL_STATUSES.has(task.view.status));
}

export function statusOf(task: TrackedTask): string {
  if (task.localError !== undefined) return 'error';
  if (task.view) return task.view.status;
  return task.taskId ? 'queued' : 'submitting';
}

/**
 * What the progress line shows. The worker's percent counts finished files, so for a one-file
 * task it jumps from 0 to 100; when the row total is known the percent comes from the rows.
 */
export function snapshotOf(task: TrackedTask): ProgressSnapshot {
  const view = task.view;
  const result = view?.files[0];
  const status = statusOf(task);
  const base = { fileName: task.file.file_name, status, attempts: view?.attempts, note: task.note };
  if (view?.status === 'completed') {
    const rows = result?.rows_total ?? view.progress?.rows_done ?? 0;
    return { ...base, percent: 100, rowsDone: rows, rowsTotal: rows };
  }
  const progress = view?.progress;
  if (!progress) return { ...base, percent: 0, rowsDone: 0, rowsTotal: null };
  const rowsTotal = progress.rows_total >= progress.rows_done && progress.rows_total > 0 ? progress.rows_total : null;
  const byRows = rowsTotal && progress.files_total <= 1 ? (progress.rows_done / rowsTotal) * 100 : 0;
  return {
    ...base,
    percent: clampPercent(Math.max(progress.percent, byRows)),
    rowsDone: progress.rows_done,
    rowsTotal,
  };
}

/** The summary-table line of a task, also for tasks that never finished. */
export function summaryRowOf(task: TrackedTask): SummaryRow {
  const view = task.view;
  const result = view?.files[0];
  let status = statusOf(task);
  if (status === 'completed' && result && result.status !== 'ingested') status = `completed (${result.status})`;
  const finished = isFinished(task);
  if (!finished) status = `${status} (gave up)`;
  return {
    fileName: task.file.file_name,
    status,
    rowsTotal: result?.rows_total || (finished ? 0 : (view?.progress?.rows_done ?? 0)),
    inserted: result?.inserted ?? 0,
    updated: result?.updated ?? 0,
    unchanged: result?.unchanged ?? 0,
    quarantined: result?.quarantined ?? 0,
    durationMs: view?.duration_ms ?? null,
  };
}

/** Why a task did not complete, in one line; undefined when it completed. */
export function failureOf(task: TrackedTask): string | undefined {
  if (task.localError !== undefined) return task.localError;
  const view = task.view;
  if (!view) return 'never submitted';
  if (view.status === 'completed') return undefined;
  if (!TERMINAL_STATUSES.has(view.status)) return `still ${view.status} when the demo gave up`;
  const code = view.error_code ? `[${view.error_code}] ` : '';
  const fileErrors = view.files
    .map((f) => f.error)
    .filter((e): e is string => !!e && e !== view.error)
    .join('; ');
  const attempts = view.attempts > 1 ? ` (after ${view.attempts} attempts)` : '';
  return `${view.status}${attempts}: ${code}${view.error ?? 'no error message'}${fileErrors ? ` — ${fileErrors}` : ''}`;
}
