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

/**
 * How long finished jobs stay in Redis (the task row is the record; these serve the queue dashboard and
 * debugging). Worker options, not per-job options: per job they were serialised into every job hash
 * (≈ 80 B of each queued task's ≈ 1.2 KB).
 */
export const JOB_RETENTION = {
  removeOnComplete: { age: 3_600, count: 1_000 },
  removeOnFail: { age: 7 * 86_400, count: 5_000 },
} as const;

/**
 * Length of BullMQ's events stream (approximate trim). Nothing here reads it (no QueueEvents); BullMQ's
 * default of 10,000 entries cost ≈ 170 B per queued task.
 */
export const EVENTS_STREAM_MAX_LEN = 1_000;

export const PRIORITY_MIN = 1;
export const PRIORITY_MAX = 10;
export const PRIORITY_DEFAULT = 5;

/**
 * BullMQ priorities (1 runs first; at most 2^21 - 1) are split into one band per API priority, most
 * urgent first, and each band into rounds: a task's BullMQ priority is `band start + round`, where the
 * round comes from fair sharing across users (see FairShare). Any round of priority 10 still runs before
 * every round of priority 9. BullMQ priority 1 (round 0 of the top band) is left to the overdue sweep.
 * Every job gets a priority: in BullMQ a job without one runs before all prioritized jobs.
 */
export const FAIR_BAND = Math.floor((2 ** 21 - 2) / PRIORITY_MAX);
/** The last round of a band; a backlog that never drains past it is served first-come-first-served. */
export const FAIR_MAX_ROUND = FAIR_BAND - 1;

/** API priority 1–10 (10 most urgent) and a fair-share round (≥ 1) → BullMQ priority. */
export function toBullPriority(priority: number, round: number): number {
  return 1 + (PRIORITY_MAX - priority) * FAIR_BAND + Math.min(Math.max(round, 1), FAIR_MAX_ROUND);
}

/** The API priority and round a BullMQ priority encodes (the inverse of toBullPriority). */
export function fromBullPriority(bullPriority: number): { priority: number; round: number } {
  const offset = bullPriority - 1;
  return { priority: PRIORITY_MAX - Math.floor(offset / FAIR_BAND), round: offset % FAIR_BAND };
}
