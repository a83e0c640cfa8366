import { RedisOptions } from 'bullmq';
import { AppConfig } from '@app/config';
import { DEFAULT_REDIS_URL } from '@app/redis';

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
