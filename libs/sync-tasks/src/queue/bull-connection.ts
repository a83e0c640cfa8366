import { RedisOptions } from 'bullmq';
import { AppConfig } from '@app/config';
import { DEFAULT_REDIS_URL } from '@app/redis';

/** BullMQ connection options (BullMQ builds and duplicates its own connections from them). */
export function bullConnection(config: AppConfig): RedisOptions {
  return {
    url: config.redis.url ?? DEFAULT_REDIS_URL,
    // Never auto-pipeline worker connections (BullMQ's blocking commands would queue behind it).
    enableAutoPipelining: false,
  };
}

export const bullPrefix = (config: AppConfig): string => `${config.redis.prefix}:bull`;
