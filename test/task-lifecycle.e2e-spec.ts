import { sql } from 'drizzle-orm';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installSampleTemplates, sampleSpec, writeSample } from './support/samples';
import { upload, waitForTask } from './support/tasks';
import { createTestApp, TestApp } from './support/test-app';
import { lockFactRows, tempDir } from './support/test-env';
import { waitFor } from './support/wait-for';

type Session = Awaited<ReturnType<TestApp['login']>>;
const bearer = (s: Session) => ({ authorization: `Bearer ${s.token}` });
const BATCH = 500;

describe('task lifecycle with a worker (e2e, PostgreSQL + Redis)', () => {
  const dir = tempDir('ds-lifecycle-');
  let t: TestApp;
  let user: Session;

  beforeAll(async () => {
    t = await createTestApp({
      driver: 'postgres',
      withWorker: true,
      env: { INGEST_BATCH_ROWS: String(BATCH), WORKER_CONCURRENCY: '2' },
    });
    await installSampleTemplates(t);
    user = await t.login('normal');
  });
  afterAll(async () => {
    await t?.close();
    dir.remove();
  });

  async function uploadRows(shopId: string, rows: number): Promise<number> {
    const spec = { ...sampleSpec({ platform: 'tiktok', domain: 'orders', shopId: 'tt_5002' }, rows), shopId };
    const { path, meta } = await writeSample(dir.path, spec);
    return (await upload(t, user.token, path, meta).expect(201)).body.id as number;
  }
  const submit = async (fileId: number) =>
    (await t.http().post('/api/data-sync/single').set(bearer(user)).send({ file_id: fileId }).expect(202)).body
      .task_id as string;
  const facts = async (shopId: string) =>
    (
      await t.db.rows<{ n: number }>(
        sql`select count(*)::int as n from fact_rows where platform = 'tiktok' and shop_id = ${shopId}`,
      )
    )[0].n;
  const fileRow = async (fileId: number) =>
    (
      await t.db.rows<{ status: string; checkpoint_row: number; lease_owner: string | null }>(
        sql`select status, checkpoint_row, lease_owner from catalog_files where id = ${fileId}`,
      )
    )[0];

  it('stops an active task at a batch boundary, hands its file back, and completes it on retry', async () => {
    const rows = 40_000;
    const fileId = await uploadRows('tt_cancel', rows);
    const taskId = await submit(fileId);
    await waitFor(
      () => fileRow(fileId),
      (row) => row.checkpoint_row >= 2 * BATCH,
      { intervalMs: 10, what: 'two batches committed' },
    );
    // Live progress while active: rows, the current file, and a percent from the bytes read so far.
    const live = (await t.http().get(`/api/data-sync/progress/${taskId}`).set(bearer(user)).expect(200)).body;
    expect(live.status).toBe('active');
    expect(live.progress.rows_done).toBeGreaterThanOrEqual(2 * BATCH);
    expect(live.progress.current_file).toMatch(/\.csv$/);
    expect(live.progress.percent).toBeGreaterThan(0);
    expect(live.progress.percent).toBeLessThan(100);

    const cancel = await t.http().delete(`/api/data-sync/cancel-task/${taskId}`).set(bearer(user)).expect(200);
    expect(cancel.body).toMatchObject({ status: 'cancelled', message: expect.stringContaining('next batch boundary') });
    const cancelled = await waitForTask(t, user.token, taskId, ['cancelled']);
    expect(cancelled.error_code).toBe('CANCELLED');

    // The worker hands the file back at its next boundary: pending, no lease; only whole batches were committed.
    await waitFor(
      () => fileRow(fileId),
      (row) => row.status === 'pending',
      { timeoutMs: 20_000, intervalMs: 20, what: 'file handed back' },
    );
    expect((await fileRow(fileId)).lease_owner).toBeNull();
    const written = await facts('tt_cancel');
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(rows);
    expect(written % BATCH).toBe(0);

    await t.http().post(`/api/data-sync/retry-task/${taskId}`).set(bearer(user)).expect(202);
    const done = await waitForTask(t, user.token, taskId, ['completed', 'failed'], 90_000);
    expect(done).toMatchObject({ status: 'completed', task_id: taskId });
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    expect(done.files[0]).toMatchObject({
      status: 'ingested',
      rows_total: rows,
      inserted: rows - written,
      unchanged: written,
    });
    expect(await facts('tt_cancel')).toBe(rows);
  });

  it('hands back every unfinished file of a cancelled batch task, the one opened ahead of its turn included', async () => {
    const shops = ['tt_ahead1', 'tt_ahead2', 'tt_ahead3'];
    const fileIds: number[] = [];
    // One batch each; different sizes, so different bytes.
    for (const [i, shop] of shops.entries()) fileIds.push(await uploadRows(shop, 310 + i));
    // The first file's only commit waits on this lock; meanwhile the worker opens the second file.
    const blocker = await lockFactRows(t.config.db.url as string);
    try {
      const submitted = await t
        .http()
        .post('/api/data-sync/batch-by-ids')
        .set(bearer(user))
        .send({ file_ids: fileIds })
        .expect(202);
      const taskId = submitted.body.task_id as string;
      await waitFor(
        () => fileRow(fileIds[1]),
        (row) => row.status === 'processing',
        { intervalMs: 10, what: 'second file claimed while the first commits' },
      );
      await t.http().delete(`/api/data-sync/cancel-task/${taskId}`).set(bearer(user)).expect(200);
      await blocker.release();
      await waitFor(
        () => Promise.all(fileIds.map(fileRow)),
        (rows) => rows.every((row) => row.status === 'pending'),
        { timeoutMs: 20_000, intervalMs: 20, what: 'every file handed back' },
      );
      for (const id of fileIds)
        expect(await fileRow(id)).toEqual({ status: 'pending', checkpoint_row: 0, lease_owner: null });
      for (const shop of shops) expect(await facts(shop)).toBe(0);
      expect((await waitForTask(t, user.token, taskId)).status).toBe('cancelled');
    } finally {
      await blocker.close();
    }
  });

  it('proves in its liveness probe that the worker consumes jobs', async () => {
    const live = await t.http().get('/health/live').expect(200);
    expect(live.body).toMatchObject({ status: 'ok', info: { consumer: { status: 'up', reason: expect.any(String) } } });
  });

  it('returns the quota to zero after completed, failed, cancelled and retried tasks', async () => {
    const good = await uploadRows('tt_q1', 300);
    const broken = join(dir.path, 'broken.csv');
    writeFileSync(broken, '订单ID,别的列\r\n1,2\r\n');
    const badFile = (
      await upload(t, user.token, broken, {
        platform: 'tiktok',
        shop_id: 'tt_q2',
        data_domain: 'orders',
        granularity: 'daily',
      }).expect(201)
    ).body.id as number;

    const completed = await submit(good);
    const failed = await submit(badFile);
    const cancelled = await submit(good);
    await t.http().delete(`/api/data-sync/cancel-task/${cancelled}`).set(bearer(user));
    expect((await waitForTask(t, user.token, completed)).status).toBe('completed');
    expect((await waitForTask(t, user.token, failed)).status).toBe('failed');
    await t.http().post(`/api/data-sync/retry-task/${failed}`).set(bearer(user)).expect(202);
    expect((await waitForTask(t, user.token, failed)).status).toBe('failed');
    await t.http().post(`/api/data-sync/retry-task/${cancelled}`).set(bearer(user)).expect(202);
    expect((await waitForTask(t, user.token, cancelled)).status).toBe('completed');

    const usage = (await t.http().get('/api/data-sync/user-task-count').set(bearer(user)).expect(200)).body;
    expect(usage).toEqual({ queued: 0, active: 0, in_flight: 0, limit: 10, remaining: 10 });
    // Redis agrees with PostgreSQL: every slot came back, so ten new tasks fit again.
    const refill = await Promise.all(
      Array.from({ length: 11 }, () =>
        t.http().post('/api/data-sync/single').set(bearer(user)).send({ file_id: good }),
      ),
    );
    expect(refill.filter((r) => r.status === 202)).toHaveLength(10);
    expect(refill.filter((r) => r.status === 429)).toHaveLength(1);
  });
});
