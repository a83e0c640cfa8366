/**
 * The metrics an on-call engineer pages on beyond the basics: 429s by cause (rate limit vs quota), the space left
 * on DATA_DIR's volume, and Redis' eviction policy (BullMQ needs noeviction) — on a Redis this test owns, so it can
 * change the policy without touching the machine's own server.
 */
import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { RedisPolicyCheck } from '@app/observability';
import { metricSample } from './support/metrics-text';
import { ThrowawayRedis } from './support/redis-server';
import { installSampleTemplates, sampleSpec, writeSample } from './support/samples';
import { upload } from './support/tasks';
import { createTestApp, TestApp } from './support/test-app';
import { tempDir } from './support/test-env';

describe('operational metrics (e2e, PostgreSQL + a Redis this test owns)', () => {
  const dir = tempDir('ds-ops-metrics-');
  let redis: ThrowawayRedis;
  let admin: Redis;
  let t: TestApp;

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    admin = new Redis(redis.url);
    t = await createTestApp({
      driver: 'postgres',
      redisUrl: redis.url,
      defaultRateLimits: true,
      env: { QUOTA_NORMAL: '1', RATE_LIMIT_NORMAL_READ: '3', RATE_LIMIT_ANONYMOUS_AUTH: '100' },
    });
    await installSampleTemplates(t);
  });
  afterAll(async () => {
    await t?.close();
    admin?.disconnect();
    await redis?.stop();
    dir.remove();
  });

  const scrape = async (): Promise<string> => (await t.http().get('/metrics').expect(200)).text;

  it('counts a quota refusal by role, apart from rate-limit refusals', async () => {
    const user = await t.login('normal');
    const spec = sampleSpec({ platform: 'amazon', domain: 'inventory' }, 5);
    const { path, meta } = await writeSample(dir.path, { ...spec, shopId: 'us_quota' });
    const fileId = (await upload(t, user.token, path, { ...meta, shop_id: 'us_quota' }).expect(201)).body.id as number;
    const submit = () =>
      t.http().post('/api/data-sync/single').set('authorization', `Bearer ${user.token}`).send({ file_id: fileId });
    await submit().expect(202);
    const refused = await submit().expect(429);
    expect(refused.body.code).toBe('QUOTA_EXCEEDED');
    const text = await scrape();
    expect(metricSample(text, 'datasync_quota_refusals_total', { role: 'normal' })).toBe(1);
    expect(metricSample(text, 'datasync_rate_limit_refusals_total', { class: 'data_sync' })).toBeUndefined();
  });

  it('counts a rate-limit refusal by endpoint class and tier', async () => {
    const user = await t.login('normal');
    const me = () => t.http().get('/api/auth/me').set('authorization', `Bearer ${user.token}`);
    for (let i = 0; i < 3; i++) await me().expect(200);
    expect((await me().expect(429)).body.code).toBe('RATE_LIMITED');
    const text = await scrape();
    expect(metricSample(text, 'datasync_rate_limit_refusals_total', { class: 'read', tier: 'normal' })).toBe(1);
  });

  it("reports the free and total bytes of DATA_DIR's file system", async () => {
    const text = await scrape();
    const free = metricSample(text, 'datasync_data_dir_free_bytes') ?? -1;
    const size = metricSample(text, 'datasync_data_dir_size_bytes') ?? -1;
    expect(free).toBeGreaterThan(0);
    expect(size).toBeGreaterThanOrEqual(free);
  });

  it('warns once in a JSON-ready log line and sets the gauge to 0 while Redis may evict keys, 1 once it may not', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    try {
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
      let text = await scrape();
      expect(metricSample(text, 'datasync_redis_eviction_policy_ok', { policy: 'allkeys-lru' })).toBe(0);
      await scrape(); // the same wrong policy again: no second warning
      const warnings = warn.mock.calls.filter(([fields]) => JSON.stringify(fields).includes('redisMaxmemoryPolicy'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0][0]).toMatchObject({ redisMaxmemoryPolicy: 'allkeys-lru', required: 'noeviction' });
      expect(String(warnings[0][1])).toContain('maxmemory-policy noeviction');

      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      text = await scrape();
      expect(metricSample(text, 'datasync_redis_eviction_policy_ok', { policy: 'noeviction' })).toBe(1);
      expect(metricSample(text, 'datasync_redis_eviction_policy_ok', { policy: 'allkeys-lru' })).toBeUndefined();
      expect(await t.app.get(RedisPolicyCheck).check()).toBe('noeviction');
    } finally {
      warn.mockRestore();
    }
  });
});
