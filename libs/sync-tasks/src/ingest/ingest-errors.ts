import { isDependencyUnavailable, sqlState } from '@app/db';
import { PermanentCode } from '../tasks/task-error-code';

export type { PermanentCode } from '../tasks/task-error-code';

/** A failure that retrying cannot fix: the task fails at once (BullMQ UnrecoverableError). */
export class PermanentIngestError extends Error {
  constructor(
    readonly code: PermanentCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'PermanentIngestError';
  }
}

/** The task was cancelled: stop at the batch boundary; the batch in progress rolls back. */
export class TaskCancelledError extends Error {
  constructor(taskId: string) {
    super(`task ${taskId} was cancelled`);
    this.name = 'TaskCancelledError';
  }
}

/** The worker is shutting down: the task stops after its committed batch and goes back to the queue. */
export class WorkerStoppingError extends Error {
  constructor(taskId: string) {
    super(`worker stopping; task ${taskId} handed back after its last committed batch`);
    this.name = 'WorkerStoppingError';
  }
}

/** Another task holds a live lease on the file: try again later. */
export class FileBusyError extends Error {
  constructor(fileId: number, holder: string | null) {
    super(`file ${fileId} is being ingested by task ${holder ?? 'unknown'}`);
    this.name = 'FileBusyError';
  }
}

/**
 * This task no longer holds the file's lease (it expired and another task claimed the file): the batch rolls
 * back, and a retry claims the file again once the other holder is done or its lease lapses.
 */
export class LeaseLostError extends Error {
  constructor(fileId: number, taskId: string) {
    super(`task ${taskId} lost the lease on file ${fileId}`);
    this.name = 'LeaseLostError';
  }
}

// Besides an unreachable database: deadlock, serialization failure, lock and statement timeouts.
const RETRYABLE_SQLSTATES = new Set(['40001', '40P01', '55P03', '57014']);

/**
 * The one place that decides retry vs fail: connection loss, deadlock, serialization failure,
 * lock or statement timeout, server shutdown, a busy file and a lost file lease retry; everything else does not.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof PermanentIngestError || error instanceof TaskCancelledError) return false;
  if (error instanceof WorkerStoppingError) return true;
  if (error instanceof FileBusyError || error instanceof LeaseLostError) return true;
  if (isDependencyUnavailable(error)) return true;
  const state = sqlState(error);
  if (state) return RETRYABLE_SQLSTATES.has(state);
  return false;
}
