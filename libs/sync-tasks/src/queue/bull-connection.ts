import { QueueOptions, RedisOptions } from 'bullmq';
import Redis from 'ioredis';
import { AppConfig } from '@app/config';
import { DEFAULT_REDIS_URL } from '@app/redis';
import { EVENTS_STREAM_MAX_LEN } from './sync-queue.constants';

/** BullMQ connection options (BullMQ builds and duplicates its own connections from them). */
export function bullConnection(config: AppConfig): RedisOptions {
  return {
    url: config.redis.url ?? DEFAULT_REDIS_URL,
    // Never auto-pipeline worker connections (BullMQ's blocking commands would queue behind it).
    enableAutoPipelining: false,
    // BullMQ's default backs off up to 20 s between reconnects: after a Redis blip the worker would sit
    // idle that long, and a worker asked to stop while it waits cannot close (see SyncWorker shutdown).
    retryStrategy: (times: number) => Math.min(times * 200, 2_000),
  };
}

export const bullPrefix = (config: AppConfig): string => `${config.redis.prefix}:bull`;

/**
 * The producer's queue, on the shared fail-fast client (no offline queue, bounded commands): `add` fails
 * fast while Redis is down and the outbox takes over. Shared, so BullMQ never closes it; RedisModule does.
 *
 * `skipVersionCheck`: BullMQ sends one INFO when the queue is created and, if that one command fails
 * (here: the client's 1 s command timeout, hit when start-up work blocks the event loop — PGlite's
 * start in single-process mode, a migration — or Redis answers slowly at that moment), every later add
 * rejects with the same error for the life of the process: tasks stay queued in PostgreSQL and the
 * outbox can never enqueue them. Without the check the queue only waits for the client to be ready.
 * The Redis we deploy (7, docs/deployment.md) is far above BullMQ's minimum (5.0), and the worker's own
 * connections (no command timeout) still check it.
 */
export function syncQueueOptions(config: AppConfig, redis: Redis): QueueOptions {
  return {
    connection: redis,
    prefix: bullPrefix(config),
    streams: { events: { maxLen: EVENTS_STREAM_MAX_LEN } },
    skipVersionCheck: true,
  };
}
