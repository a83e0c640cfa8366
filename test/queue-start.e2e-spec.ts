import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { settlesWithin } from '@app/common';
import { loadConfig } from '@app/config';
import { createRedis, firstConnection } from '@app/redis';
import { SYNC_QUEUE } from '@app/sync-tasks';
import { syncQueueOptions } from '../libs/sync-tasks/src/queue/bull-connection';
import { TEST_JWT_SECRET, TEST_REDIS_URL, uniquePrefix } from './support/test-env';

/** Keeps the event loop busy, as PGlite's start or a migration does in single-process mode. */
function stall(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

/**
 * The producer's queue on the shared fail-fast client (1 s command timeout), real Redis. A stall of the
 * event loop while BullMQ's start-up INFO was in flight used to break the queue for the life of the
 * process (every add rejected "Command timed out"; tasks stayed queued in PostgreSQL, the outbox could
 * never enqueue them): seen as a hung ingest e2e on the embedded database.
 */
describe('the sync queue after a start-up stall (real Redis)', () => {
  const config = loadConfig('single', { JWT_SECRET: TEST_JWT_SECRET, REDIS_PREFIX: uniquePrefix() });
  let redis: Redis;
  let queue: Queue | undefined;

  beforeEach(async () => {
    redis = createRedis(TEST_REDIS_URL);
    await firstConnection(redis, 5_000);
  });
  afterEach(async () => {
    // Bounded: on a queue broken as described above, clean-up commands fail or never settle.
    await settlesWithin(queue?.obliterate({ force: true }) ?? Promise.resolve(), 5_000);
    await settlesWithin(queue?.close() ?? Promise.resolve(), 5_000);
    redis.disconnect();
  });

  it('adds jobs once the loop is free, although the commands in flight during the stall timed out', async () => {
    queue = new Queue(SYNC_QUEUE, syncQueueOptions(config, redis));
    await new Promise((resolve) => setImmediate(resolve)); // BullMQ's start-up commands are sent
    const inFlight = redis.ping().then(
      () => 'answered',
      (error: Error) => error.message,
    );
    stall(1_500);
    expect(await inFlight).toBe('Command timed out'); // the stall did time out what was in flight

    await queue.add('run-task', { taskId: 'after-stall' }, { jobId: 'after-stall' });
    expect((await queue.getJob('after-stall'))?.data).toEqual({ taskId: 'after-stall' });
  });
});
