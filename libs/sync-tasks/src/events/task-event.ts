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

/**
 * The stored form is compact (every queued task leaves one, so it counts in Redis memory per task): no
 * null progress or error, and no `at` — the entry id already holds the publishing time in milliseconds.
 */
export function encodeTaskEvent(event: Omit<TaskEvent, 'at'>): string {
  const { progress, error, ...rest } = event;
  return JSON.stringify({ ...rest, ...(progress ? { progress } : {}), ...(error ? { error } : {}) });
}

/** A stream entry's fields (`[name, value, …]`) back to an event; undefined when it is not one of ours. */
export function decodeTaskEvent(id: string, fields: string[]): StoredTaskEvent | undefined {
  const field = fields.indexOf(EVENT_FIELD);
  if (field < 0 || field + 1 >= fields.length) return undefined;
  try {
    const stored = JSON.parse(fields[field + 1]) as Partial<TaskEvent>;
    const at = stored.at ?? new Date(Number(id.split('-')[0])).toISOString();
    return {
      id,
      event: { ...stored, progress: stored.progress ?? null, error: stored.error ?? null, at } as TaskEvent,
    };
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
