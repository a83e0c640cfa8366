import { sql } from 'drizzle-orm';
import { installSampleTemplates, sampleSpec, writeSample } from '../support/samples';
import { ThrowawayRedis } from '../support/redis-server';
import { upload, waitForTask } from '../support/tasks';
import { createTestApp, TestApp } from '../support/test-app';
import { tempDir } from '../support/test-env';

const TASKS = 50;

describe('Redis outage during submissions (e2e, a Redis this test owns)', () => {
  const dir = tempDir('ds-outage-');
  let redis: ThrowawayRedis;
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    redis = await ThrowawayRedis.start({ persistDir: dir.path });
    t = await createTestApp({
      driver: 'postgres',
      redisUrl: redis.url,
      withWorker: true,
      env: { QUOTA_NORMAL: '100' },
    });
    await installSampleTemplates(t);
    token = (await t.login('normal')).token;
  });
  afterAll(async () => {
    await t?.close();
    await redis?.stop();
    dir.remove();
  });

  it('accepts all 50 submissions while Redis stops and restarts, and completes each exactly once', async () => {
    const fileIds: number[] = [];
    for (let i = 0; i < TASKS; i++) {
      const spec = { ...sampleSpec({ platform: 'amazon', domain: 'inventory' }, 10 + i), shopId: `us_o${i}` };
      const { path, meta } = await writeSample(dir.path, spec);
      fileIds.push((await upload(t, token, path, { ...meta, shop_id: spec.shopId }).expect(201)).body.id as number);
    }
    const submit = (fileId: number) =>
      t.http().post('/api/data-sync/single').set('authorization', `Bearer ${token}`).send({ file_id: fileId });

    const accepted: { task_id: string; enqueued: boolean }[] = [];
    for (const [i, fileId] of fileIds.entries()) {
      if (i === 15) await redis.stop('SIGTERM'); // an orderly stop: the append-only file keeps what it had
      const res = await submit(fileId);
      expect(res.status).toBe(202);
      accepted.push(res.body);
    }
    const deferred = accepted.filter((a) => !a.enqueued);
    expect(deferred.length).toBe(TASKS - 15); // accepted into the outbox, not lost
    const usage = (
      await t.http().get('/api/data-sync/user-task-count').set('authorization', `Bearer ${token}`).expect(200)
    ).body;
    expect(usage.in_flight).toBeGreaterThanOrEqual(TASKS - 15);

    await redis.restart();
    const finished = await Promise.all(
      accepted.map((a) => waitForTask(t, token, a.task_id, ['completed', 'failed'], 90_000)),
    );
    expect(finished.map((f) => f.status)).toEqual(Array(TASKS).fill('completed'));
    // Exactly once: every task ingested its file's rows as inserts, and no file holds more rows than it has.
    finished.forEach((f, i) =>
      expect(f.files[0]).toMatchObject({ rows_total: 10 + i, inserted: 10 + i, unchanged: 0 }),
    );
    const [{ n }] = await t.db.rows<{ n: number }>(
      sql`select count(*)::int as n from fact_rows where shop_id like 'us_o%'`,
    );
    expect(n).toBe(Array.from({ length: TASKS }, (_, i) => 10 + i).reduce((a, b) => a + b, 0));
    const after = (
      await t.http().get('/api/data-sync/user-task-count').set('authorization', `Bearer ${token}`).expect(200)
    ).body;
    expect(after).toMatchObject({ in_flight: 0 });
  });
});
