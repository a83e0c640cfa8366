/**
 * Queue and job names. The string values are live Redis keys (`{prefix}:bull:data-sync:*`):
 * renaming one orphans every job already queued under the old name.
 */
export const SYNC_QUEUE = 'data-sync';

export const SyncJob = {
  /** Ingest every file of one task (single file or batch). */
  RunTask: 'run-task',
  /** Scheduled: put files pending for too long into a batch task (off unless configured). */
  SweepOverdue: 'sweep-overdue',
} as const;
export type SyncJobName = (typeof SyncJob)[keyof typeof SyncJob];

/** Payload of each job name: ids only, never rows or file contents. */
export interface SyncJobPayloads {
  [SyncJob.RunTask]: { taskId: string };
  [SyncJob.SweepOverdue]: Record<string, never>;
}

export const PRIORITY_MIN = 1;
export const PRIORITY_MAX = 10;
export const PRIORITY_DEFAULT = 5;

/**
 * API priority 1–10 (10 most urgent) → BullMQ priority (1 runs first). Every job gets one:
 * in BullMQ a job without a priority runs before all prioritized jobs.
 */
export function toBullPriority(priority: number): number {
  return PRIORITY_MAX + 1 - priority;
}
