import { once } from 'node:events';
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
  // with Redis stopped (test/chaos/worker-shutdown). Bound it, then destroy the socket. (The adapter also calls
  // this itself, forced, after a failed connect: the next command connects again.)
  const close = adapter.disconnect.bind(adapter);
  adapter.disconnect = async (force?: boolean) => {
    if (force || !(await settlesWithin(close(false), DISCONNECT_BOUND_MS))) await close(true).catch(() => undefined);
  };
  // Every command first asks for a connected client, and the adapter reconnects a closed one: a warm-up still
  // running at shutdown would reopen the connection after it. Once the store is shut down, it stays closed.
  let shutDown = false;
  const getClient = adapter.getClient.bind(adapter);
  adapter.getClient = () => (shutDown ? Promise.reject(new Error('cache store closed')) : getClient());
  const keyv = new Keyv({ store: adapter, useKeyPrefix: false, namespace: undefined });
  // Shutdown (cache-manager's onModuleDestroy). The first command connects lazily, e.g. a start-up warm-up's: a
  // close while that connection is being made misses the socket, which node-redis creates afterwards and keeps
  // open for good (the process never exited). Let the connection finish first (bounded), and unref its socket.
  const disconnect = keyv.disconnect.bind(keyv);
  keyv.disconnect = async () => {
    shutDown = true;
    const client = adapter.client;
    if ('unref' in client) {
      void client.unref(); // (typed as a promise on a Sentinel client; a plain call here)
      if (client.isOpen && !client.isReady) await settlesWithin(once(client, 'ready'), DISCONNECT_BOUND_MS);
    }
    await disconnect();
  };
  const logger = new Logger('CacheStore');
  keyv.on('error', (error: Error) => logger.debug(`cache store: ${error.message}`));
  return keyv;
}
