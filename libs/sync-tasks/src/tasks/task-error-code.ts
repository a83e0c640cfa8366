/**
 * The values of a task's `error_code` (sync_tasks.error_code, shown by the API): clients switch on them, so
 * they are stored as these strings and never renamed casually.
 */
export const TaskErrorCode = {
  /** Every file of the task failed; `files[].error` says why. */
  FilesFailed: 'FILES_FAILED',
  /** The task completed, but some of its files failed. */
  SomeFilesFailed: 'SOME_FILES_FAILED',
  /** A transient failure outlasted every attempt. */
  RetriesExhausted: 'RETRIES_EXHAUSTED',
  Cancelled: 'CANCELLED',
  /** An unexpected error: a bug, logged with the task id. */
  Internal: 'INTERNAL',
  // Permanent failures (PermanentIngestError): retrying cannot help.
  TaskTimeout: 'TASK_TIMEOUT',
  TaskNotFound: 'TASK_NOT_FOUND',
  FileNotFound: 'FILE_NOT_FOUND',
  FileMissing: 'FILE_MISSING',
  UnreadableFile: 'UNREADABLE_FILE',
  HeaderChanged: 'HEADER_CHANGED',
  UnknownJob: 'UNKNOWN_JOB',
} as const;

export type TaskErrorCode = (typeof TaskErrorCode)[keyof typeof TaskErrorCode];

/** The codes a PermanentIngestError carries. */
export type PermanentCode = Exclude<
  TaskErrorCode,
  'FILES_FAILED' | 'SOME_FILES_FAILED' | 'RETRIES_EXHAUSTED' | 'CANCELLED' | 'INTERNAL'
>;
