import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Redis from 'ioredis';
import { DEFAULT_REDIS_URL, closeRedis, createRedis, pingRedis } from '@app/redis';

export class RedisUnavailableError extends Error {
  constructor() {
    super(
      'No Redis answers on 127.0.0.1:6379 and redis-server is not on the PATH. ' +
        'Install it (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis) or set REDIS_URL.',
    );
  }
}

export interface LocalRedis {
  url: string;
  /** Set when this process started the server; stops it on shutdown. */
  stop?: () => Promise<void>;
}

/**
 * Single-process mode: use a Redis already answering on the default port, else start a
 * `redis-server` from the PATH with its files (append-only) under `dir`.
 */
export async function findOrStartRedis(dir: string): Promise<LocalRedis> {
  if (await answers(DEFAULT_REDIS_URL)) return { url: DEFAULT_REDIS_URL };
  if (spawnSync('redis-server', ['--version']).status !== 0) throw new RedisUnavailableError();
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--logfile',
      join(dir, 'redis.log'),
    ],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100 && !(await answers(url)); i++) await new Promise((r) => setTimeout(r, 50));
  if (!(await answers(url))) {
    child.kill('SIGKILL');
    throw new Error(`redis-server did not start (see ${join(dir, 'redis.log')})`);
  }
  const stop = async (): Promise<void> => {
    const client = createRedis(url);
    // SHUTDOWN closes the connection instead of replying; the append-only file is already on disk.
    await client.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
    client.disconnect();
  };
  return { url, stop };
}

async function answers(url: string): Promise<boolean> {
  const client: Redis = createRedis(url, { retryStrategy: () => null, lazyConnect: true, connectTimeout: 500 });
  try {
    await client.connect();
    await pingRedis(client, 500);
    return true;
  } catch {
    return false;
  } finally {
    await closeRedis(client);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
