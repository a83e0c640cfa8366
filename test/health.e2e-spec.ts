import { createTestApp, TestApp } from './support/test-app';
import { ThrowawayRedis } from './support/redis-server';
import { waitFor } from './support/wait-for';

describe('health probes (e2e, a Redis this test owns)', () => {
  let redis: ThrowawayRedis;
  let t: TestApp;

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    t = await createTestApp({ driver: 'postgres', redisUrl: redis.url });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.stop();
  });

  it('is live and ready with database and Redis up, without a token', async () => {
    await t.http().get('/health/live').expect(200);
    const ready = await t.http().get('/health/ready').expect(200);
    expect(ready.body).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up', driver: 'postgres' }, redis: { status: 'up' } },
    });
  });

  it('turns not-ready (503, Redis down) while staying live when Redis stops, and recovers', async () => {
    await redis.stop();
    const ready = await t.http().get('/health/ready').expect(503);
    expect(ready.body).toMatchObject({
      status: 'error',
      error: { redis: { status: 'down' } },
      info: { database: { status: 'up' } },
    });
    await t.http().get('/health/live').expect(200);

    await redis.restart();
    const status = await waitFor(
      async () => (await t.http().get('/health/ready')).status,
      (s) => s === 200,
      { timeoutMs: 10_000, intervalMs: 100, what: 'readiness 200 after Redis is back' },
    );
    expect(status).toBe(200);
  });
});
