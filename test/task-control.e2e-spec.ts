import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { sql } from 'drizzle-orm';
import { OutboxRelay, SYNC_QUEUE } from '@app/sync-tasks';
import { sampleSpec, writeSample } from './support/samples';
import { upload } from './support/tasks';
import { ThrowawayRedis } from './support/redis-server';
import { createTestApp, TestApp } from './support/test-app';
import { tempDir } from './support/test-env';
import { waitFor } from './support/wait-for';

type Session = Awaited<ReturnType<TestApp['login']>>;
const bearer = (s: Session) => ({ authorization: `Bearer ${s.token}` });

describe('task control without a worker (e2e, PostgreSQL + Redis)', () => {
  const dir = tempDir('ds-control-');
  let t: TestApp;
  let alice: Session;
  let bob: Session;
  let admin: Session;
  let fileId: number;

  beforeAll(async () => {
    t = await createTestApp({ driver: 'postgres' });
    [alice, bob, admin] = [await t.login('normal'), await t.login('normal'), await t.login('admin')];
    const { path, meta } = await writeSample(dir.path, sampleSpec({ platform: 'amazon', domain: 'inventory' }, 20));
    fileId = (await upload(t, admin.token, path, meta).expect(201)).body.id as number;
  });
  afterAll(async () => {
    await t?.close();
    dir.remove();
  });

  const submit = (s: Session, body: object = { file_id: fileId }, headers: Record<string, string> = {}) =>
    t.http().post('/api/data-sync/single').set(bearer(s)).set(headers).send(body);
  const count = async (s: Session) =>
    (await t.http().get('/api/data-sync/user-task-count').set(bearer(s)).expect(200)).body;
  const queue = () => t.app.get<Queue>(getQueueToken(SYNC_QUEUE));

  it('admits exactly 10 of 100 simultaneous submissions by one normal user; 90 get 429 with counts', async () => {
    const responses = await Promise.all(Array.from({ length: 100 }, () => submit(alice)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(90);
    const refused = responses.find((r) => r.status === 429)!;
    expect(refused.headers['retry-after']).toBe('30');
    expect(refused.body).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { in_flight: 10, limit: 10, remaining: 0 } });
    expect(await count(alice)).toEqual({ queued: 10, active: 0, in_flight: 10, limit: 10, remaining: 0 });
    const admitted = responses.filter((r) => r.status === 202).map((r) => r.body.task_id as string);
    for (const id of admitted) expect(await queue().getJob(id)).toBeDefined();
  });

  it('cancels a queued task at once: removed from the queue, slot and file released; a second cancel is 409', async () => {
    const { items } = (await t.http().get('/api/data-sync/tasks?status=queued').set(bearer(alice)).expect(200)).body;
    const taskId = items[0].task_id as string;
    const res = await t.http().delete(`/api/data-sync/cancel-task/${taskId}`).set(bearer(alice)).expect(200);
    expect(res.body).toMatchObject({ task_id: taskId, status: 'cancelled' });
    expect(await queue().getJob(taskId)).toBeUndefined();
    expect(await count(alice)).toMatchObject({ queued: 9, in_flight: 9, remaining: 1 });
    const again = await t.http().post(`/api/data-sync/cancel-task/${taskId}`).set(bearer(alice)).expect(409);
    expect(again.body).toMatchObject({ code: 'INVALID_STATE', details: { status: 'cancelled' } });
    // Retry is refused while at the limit? Alice has one free slot: retry takes it.
    const retried = await t.http().post(`/api/data-sync/retry-task/${taskId}`).set(bearer(alice)).expect(202);
    expect(retried.body).toMatchObject({ task_id: taskId, status: 'queued' });
    expect(await queue().getJob(taskId)).toBeDefined();
    expect(await count(alice)).toMatchObject({ in_flight: 10, remaining: 0 });
  });

  it('refuses a retry of a queued task with 409 and a retry over quota with 429', async () => {
    const { items } = (
      await t.http().get('/api/data-sync/tasks?status=queued&page_size=2').set(bearer(alice)).expect(200)
    ).body;
    await t.http().post(`/api/data-sync/retry-task/${items[0].task_id}`).set(bearer(alice)).expect(409);
    await t.http().delete(`/api/data-sync/cancel-task/${items[0].task_id}`).set(bearer(alice)).expect(200);
    await submit(alice).expect(202); // takes the freed slot
    const res = await t.http().post(`/api/data-sync/retry-task/${items[0].task_id}`).set(bearer(alice)).expect(429);
    expect(res.body.code).toBe('QUOTA_EXCEEDED');
  });

  it("hides another user's task behind 404 on every endpoint; an admin sees and controls it", async () => {
    const own = (await submit(bob).expect(202)).body.task_id as string;
    for (const req of [
      t.http().get(`/api/data-sync/task-status/${own}`),
      t.http().get(`/api/data-sync/progress/${own}`),
      t.http().delete(`/api/data-sync/cancel-task/${own}`),
      t.http().post(`/api/data-sync/cancel-task/${own}`),
      t.http().post(`/api/data-sync/retry-task/${own}`),
    ]) {
      const res = await req.set(bearer(alice));
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('NOT_FOUND');
    }
    const aliceList = (await t.http().get('/api/data-sync/tasks?page_size=200').set(bearer(alice)).expect(200)).body;
    expect(aliceList.items.every((x: { user_id: number }) => x.user_id === alice.userId)).toBe(true);
    const adminList = (await t.http().get('/api/data-sync/tasks?page_size=200').set(bearer(admin)).expect(200)).body;
    expect(adminList.items.map((x: { task_id: string }) => x.task_id)).toContain(own);
    await t.http().get(`/api/data-sync/task-status/${own}`).set(bearer(admin)).expect(200);
    await t.http().delete(`/api/data-sync/cancel-task/${own}`).set(bearer(admin)).expect(200);
    expect(await count(bob)).toMatchObject({ in_flight: 0 });
  });

  it('lists own tasks newest first with a status filter and pagination', async () => {
    const page = (await t.http().get('/api/data-sync/tasks?page_size=3').set(bearer(alice)).expect(200)).body;
    expect(page.items).toHaveLength(3);
    const times = page.items.map((x: { created_at: string }) => Date.parse(x.created_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const cancelled = (await t.http().get('/api/data-sync/tasks?status=cancelled').set(bearer(alice)).expect(200)).body;
    expect(cancelled.items.every((x: { status: string }) => x.status === 'cancelled')).toBe(true);
    await t.http().get('/api/data-sync/tasks?status=bogus').set(bearer(alice)).expect(400);
  });

  it('returns the first task again for a repeated Idempotency-Key, per user', async () => {
    const first = await submit(bob, { file_id: fileId }, { 'idempotency-key': 'order-sync-42' }).expect(202);
    const again = await submit(bob, { file_id: fileId }, { 'idempotency-key': 'order-sync-42' }).expect(202);
    expect(again.body).toMatchObject({ task_id: first.body.task_id, replayed: true });
    expect(await count(bob)).toMatchObject({ in_flight: 1 });
    const other = await submit(admin, { file_id: fileId }, { 'idempotency-key': 'order-sync-42' }).expect(202);
    expect(other.body.task_id).not.toBe(first.body.task_id);
    await submit(bob, { file_id: fileId }, { 'idempotency-key': 'bad key with spaces' }).expect(400);
  });

  it('puts back a queued task whose job vanished from Redis', async () => {
    const taskId = (await submit(admin).expect(202)).body.task_id as string;
    await (await queue().getJob(taskId))!.remove();
    await t.db.rows(sql`update sync_tasks set enqueued_at = now() - interval '5 minutes' where id = ${taskId}`);
    expect(await t.app.get(OutboxRelay).requeueVanished()).toBeGreaterThanOrEqual(1);
    expect(await queue().getJob(taskId)).toBeDefined();
  });

  it('validates priorities and batch bodies', async () => {
    for (const priority of [0, 11, 5.5, 'high']) await submit(admin, { file_id: fileId, priority }).expect(400);
    await t.http().post('/api/data-sync/batch-by-ids').set(bearer(admin)).send({ file_ids: [] }).expect(400);
    await t
      .http()
      .post('/api/data-sync/batch-by-ids')
      .set(bearer(admin))
      .send({ file_ids: Array.from({ length: 1001 }, (_, i) => i + 1) })
      .expect(400);
    await t.http().post('/api/data-sync/batch').set(bearer(admin)).send({ limit: 1001 }).expect(400);
    await t
      .http()
      .post('/api/data-sync/batch')
      .set(bearer(admin))
      .send({ domains: ['weather'] })
      .expect(400);
  });

  it('echoes unknown ids in a batch by ids, and answers 404 when none is known', async () => {
    const res = await t
      .http()
      .post('/api/data-sync/batch-by-ids')
      .set(bearer(admin))
      .send({ file_ids: [fileId, 987654], priority: 7 })
      .expect(202);
    expect(res.body).toMatchObject({
      total_files: 1,
      file_ids: [fileId],
      missing_file_ids: [987654],
      status: 'queued',
    });
    const none = await t
      .http()
      .post('/api/data-sync/batch-by-ids')
      .set(bearer(admin))
      .send({ file_ids: [987654, 987655] })
      .expect(404);
    expect(none.body.details).toEqual({ missing_file_ids: [987654, 987655] });
  });

  it('queues nothing for a batch filter that matches no pending file', async () => {
    const res = await t
      .http()
      .post('/api/data-sync/batch')
      .set(bearer(admin))
      .send({ platform: 'nowhere' })
      .expect(202);
    expect(res.body).toMatchObject({ task_id: null, total_files: 0, status: 'nothing_to_do' });
  });

  it('batches pending files by filter, and lets only admins batch all', async () => {
    for (const [shopId, rows] of [
      ['us_b1', 22],
      ['us_b2', 23],
    ] as const) {
      // Distinct row counts make distinct bytes (same bytes would be a duplicate upload).
      const { path, meta } = await writeSample(dir.path, {
        ...sampleSpec({ platform: 'amazon', domain: 'inventory' }, rows),
        shopId,
      });
      await upload(t, admin.token, path, { ...meta, shop_id: shopId }).expect(201);
    }
    const res = await t
      .http()
      .post('/api/data-sync/batch')
      .set(bearer(bob))
      .send({ platform: 'amazon', domains: ['inventory'], limit: 1 })
      .expect(202);
    expect(res.body).toMatchObject({ total_files: 1, status: 'queued' });
    await t.http().post('/api/data-sync/batch-all').set(bearer(bob)).send({}).expect(403);
    const all = await t.http().post('/api/data-sync/batch-all').set(bearer(admin)).send({}).expect(202);
    expect(all.body.total_files).toBe(1); // the one still pending
  });
});

describe('task control while Redis is down (e2e, a Redis this test owns)', () => {
  const dir = tempDir('ds-control-redis-');
  let redis: ThrowawayRedis;
  let t: TestApp;
  let user: Session;
  let fileId: number;

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    t = await createTestApp({ driver: 'postgres', redisUrl: redis.url });
    user = await t.login('normal');
    const { path, meta } = await writeSample(dir.path, sampleSpec({ platform: 'amazon', domain: 'inventory' }, 5));
    fileId = (await upload(t, user.token, path, meta).expect(201)).body.id as number;
  });
  afterAll(async () => {
    await t?.close();
    await redis?.stop();
    dir.remove();
  });

  it('answers a retry with 503 DEPENDENCY_DOWN within 3 s (not a 500), and retries once Redis is back', async () => {
    const taskId = (
      await t.http().post('/api/data-sync/single').set(bearer(user)).send({ file_id: fileId }).expect(202)
    ).body.task_id as string;
    await t.http().delete(`/api/data-sync/cancel-task/${taskId}`).set(bearer(user)).expect(200);

    await redis.stop();
    const started = Date.now();
    const refused = await t.http().post(`/api/data-sync/retry-task/${taskId}`).set(bearer(user));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(refused.body).toMatchObject({ statusCode: 503, code: 'DEPENDENCY_DOWN' });
    const still = await t.http().get(`/api/data-sync/task-status/${taskId}`).set(bearer(user)).expect(200);
    expect(still.body.status).toBe('cancelled');

    await redis.restart();
    const retried = await waitFor(
      async () => (await t.http().post(`/api/data-sync/retry-task/${taskId}`).set(bearer(user))).status,
      (status) => status === 202,
      { timeoutMs: 15_000, intervalMs: 200, what: 'retry accepted once Redis is back' },
    );
    expect(retried).toBe(202);
    expect(await t.app.get<Queue>(getQueueToken(SYNC_QUEUE)).getJob(taskId)).toBeDefined();
  });
});
