import { TaskProgress, TaskStatus } from '@app/db';

/**
 * What the worker and the API tell followers of a task (`GET /data-sync/events`): one `state` event per
 * status change, `progress` events while it runs (at most one per PROGRESS_EVENT_INTERVAL_MS per task).
 */
export interface TaskEvent {
  type: 'state' | 'progress';
  task_id: string;
  /** The owner; the API shows an event only to its owner and to admins. */
  user_id: number;
  status: TaskStatus;
  progress: TaskProgress | null;
  error: string | null;
  /** ISO time the event was published. */
  at: string;
}

/** A task event as stored: the Redis stream entry id is the SSE `id:` and the `Last-Event-ID` to resume from. */
export interface StoredTaskEvent {
  id: string;
  event: TaskEvent;
}

/** At most 2 progress events per second per task. */
export const PROGRESS_EVENT_INTERVAL_MS = 500;

/** The capped Redis stream every process publishes to and every API replica reads: `{REDIS_PREFIX}:task-events`. */
export function taskEventsKey(redisPrefix: string): string {
  return `${redisPrefix}:task-events`;
}

/** The single field of a stream entry: the event as JSON. */
export const EVENT_FIELD = 'e';

/** A stream entry's fields (`[name, value, …]`) back to an event; undefined when it is not one of ours. */
export function decodeTaskEvent(id: string, fields: string[]): StoredTaskEvent | undefined {
  const at = fields.indexOf(EVENT_FIELD);
  if (at < 0 || at + 1 >= fields.length) return undefined;
  try {
    return { id, event: JSON.parse(fields[at + 1]) as TaskEvent };
  } catch {
    return undefined;
  }
}

/** Redis stream ids (`ms-seq`) compared as numbers; true when a is after b. */
export function streamIdAfter(a: string, b: string): boolean {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  return am > bm || (am === bm && (as ?? 0n) > (bs ?? 0n));
}

export const STREAM_ID = /^\d{1,20}-\d{1,20}$/;
