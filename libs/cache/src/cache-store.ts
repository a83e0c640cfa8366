import KeyvRedis from '@keyv/redis';
import { Logger } from '@nestjs/common';
import Keyv from 'keyv';
import { AppConfig } from '@app/config';
import { settlesWithin } from '@app/common';
import { DEFAULT_REDIS_URL } from '@app/redis';

const DISCONNECT_BOUND_MS = 500;

/**
 * The Keyv store behind cache-manager. `disableOfflineQueue` + a short connect timeout make a read
 * fail in ~1 ms while Redis is down (the defaults hang for minutes, and SIGTERM with them); no Keyv or
 * adapter namespace, so the stored key is exactly the one `CacheKeys` built (no doubled prefix).
 */
export function createCacheStore(config: AppConfig): Keyv {
  const adapter = new KeyvRedis(
    { url: config.redis.url ?? DEFAULT_REDIS_URL, disableOfflineQueue: true },
    { connectionTimeout: 500, throwOnConnectError: false },
  );
  // node-redis' graceful close waits for a server that may be gone: app.close() hung for good in ~1 run of 3
  // with Redis stopped (test/chaos/worker-shutdown). Bound it, then destroy the socket.
  const close = adapter.disconnect.bind(adapter);
  adapter.disconnect = async (force?: boolean) => {
    if (force || !(await settlesWithin(close(false), DISCONNECT_BOUND_MS))) await close(true).catch(() => undefined);
  };
  const keyv = new Keyv({ store: adapter, useKeyPrefix: false, namespace: undefined });
  const logger = new Logger('CacheStore');
  keyv.on('error', (error: Error) => logger.debug(`cache store: ${error.message}`));
  return keyv;
}
