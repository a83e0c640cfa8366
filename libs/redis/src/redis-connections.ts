import Redis, { RedisOptions } from 'ioredis';
import { settlesWithin, withTimeout } from '@app/common';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Options for connections that answer HTTP requests: fail fast while Redis is down
 * (no offline queue, bounded connect and command time) instead of hanging the request.
 */
export function fastFailOptions(): RedisOptions {
  return {
    enableOfflineQueue: false,
    connectTimeout: 2_000,
    commandTimeout: 1_000,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    lazyConnect: false,
  };
}

export function createRedis(url: string, options: RedisOptions = {}): Redis {
  const client = new Redis(url, { ...fastFailOptions(), ...options });
  // Connection errors are reported by health checks; an unhandled 'error' event would crash the process.
  client.on('error', () => undefined);
  return client;
}

/**
 * Resolves once the client is connected, or after `timeoutMs` whatever its state: a process that
 * starts with Redis up then serves its first requests connected (readiness, limits and quota
 * would otherwise fail open for the first ~100 ms), and one that starts with Redis down is not held up.
 */
export async function firstConnection(client: Redis, timeoutMs = 1_000): Promise<void> {
  if (client.status === 'ready') return;
  let onReady: (() => void) | undefined;
  const ready = new Promise<void>((resolve) => client.once('ready', (onReady = resolve)));
  await settlesWithin(ready, timeoutMs);
  if (onReady) client.off('ready', onReady);
}

/** PING with a hard bound, whatever the client's own settings. */
export async function pingRedis(client: Redis, timeoutMs = 1_000): Promise<void> {
  await withTimeout(client.ping(), timeoutMs, `Redis did not answer PING within ${timeoutMs} ms`);
}

/** Closes a client without waiting on a dead server. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  try {
    await Promise.race([client.quit(), new Promise((resolve) => setTimeout(resolve, 500))]);
  } catch {
    // already closed or unreachable
  }
  client.disconnect();
}
