import { ThrowawayRedis, waitFor } from '../support/redis-server';
import { createTestApp } from '../support/test-app';

const GRACE_MS = 1_500;

/**
 * SIGTERM (app.close) must finish within the grace period even when Redis is away: BullMQ's graceful
 * close waits for its blocking connection's 'end', which a client between reconnects never emits, and
 * a forced close only joins that wait.
 */
describe('worker shutdown while Redis is away (e2e, a Redis this test owns)', () => {
  it('closes within the grace period while its Redis connection is reconnecting', async () => {
    const redis = await ThrowawayRedis.start();
    const t = await createTestApp({
      driver: 'postgres',
      redisUrl: redis.url,
      withWorker: true,
      env: { WORKER_SHUTDOWN_GRACE_MS: String(GRACE_MS) },
    });
    try {
      await waitFor(async () => (await t.http().get('/health/ready')).status === 200, 5_000, 'ready');
      await redis.stop();
      const started = Date.now();
      await t.close();
      expect(Date.now() - started).toBeLessThan(GRACE_MS + 3_000);
    } finally {
      await redis.stop();
    }
  }, 30_000);
});
