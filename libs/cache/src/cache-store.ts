import KeyvRedis from '@keyv/redis';
import { Logger } from '@nestjs/common';
import Keyv from 'keyv';
import { AppConfig } from '@app/config';
import { DEFAULT_REDIS_URL } from '@app/redis';

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
  // Closing destroys the connection at once: node-redis' graceful close waits for the reply of every pending
  // command before it drops the socket, so with Redis stopped app.close() hung for good in ~1 run of 3
  // (test/chaos/worker-shutdown). A cache write lost at shutdown costs one miss.
  // The adapter connects lazily, on its first command, and node-redis assigns a socket whose connect was under way
  // when the client was destroyed without closing it: a read or warm-up still running at shutdown left an open
  // connection that kept the process alive (a lone jest suite never exited, 1 run in 3). So: closed is final, and
  // the client's sockets are unref'd (the server and the app's other handles keep a running process alive).
  const client = adapter.client; // a single client: built from a URL, not a cluster or sentinel config
  if ('unref' in client) void client.unref();
  const destroy = adapter.disconnect.bind(adapter, true);
  let closed = false;
  const connected = adapter.getClient.bind(adapter);
  adapter.getClient = async () => {
    if (closed) throw new Error('cache store closed');
    return connected();
  };
  // Keyv's disconnect() passes no argument; the adapter's own connect-failure path passes true (not a close).
  adapter.disconnect = async (force?: boolean) => {
    if (force === undefined) closed = true;
    await destroy().catch(() => undefined);
  };
  const keyv = new Keyv({ store: adapter, useKeyPrefix: false, namespace: undefined });
  const logger = new Logger('CacheStore');
  keyv.on('error', (error: Error) => logger.debug(`cache store: ${error.message}`));
  return keyv;
}
