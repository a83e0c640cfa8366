import { sql } from 'drizzle-orm';
import { expectQuotasFree } from '../support/chaos';
import { installSampleTemplates, sampleSpec, writeSample } from '../support/samples';
import { ThrowawayRedis } from '../support/redis-server';
import { upload, waitForTask } from '../support/tasks';
import { createTestApp, TestApp } from '../support/test-app';
import { tempDir } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { WorkerProcess } from '../support/worker-process';

const ROWS = 20_000;

/**
 * The worker's PostgreSQL connections terminated (pg_terminate_backend) while it writes batches: the batch
 * in progress rolls back, the job is retried (a transient error), resumes after its checkpoint, and every
 * row is written once. The worker's connections are told apart by application_name (set in its URL).
 */
describe("worker's PostgreSQL backends terminated mid-batch (chaos, own Redis, worker process)", () => {
  const dir = tempDir('ds-chaos-pg-');
  let redis: ThrowawayRedis;
  let t: TestApp;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    t = await createTestApp({ driver: 'postgres', redisUrl: redis.url });
    await installSampleTemplates(t);
  });
  afterAll(async () => {
    await worker?.kill();
    await t?.close();
    await redis?.stop();
    dir.remove();
  });

  it('retries the batch and completes the task, no row written twice', async () => {
    const user = await t.login('normal');
    const spec = { ...sampleSpec({ platform: 'tiktok', domain: 'orders', shopId: 'tt_5001' }, ROWS), shopId: 'tt_pg' };
    const { path, meta } = await writeSample(dir.path, spec);
    const fileId = (await upload(t, user.token, path, meta).expect(201)).body.id as number;
    const appName = `ds-chaos-worker-${process.pid}`;
    const url = new URL(t.config.db.url as string);
    url.searchParams.set('application_name', appName);
    worker = await WorkerProcess.start(t.config, {
      DATABASE_URL: url.toString(),
      INGEST_BATCH_ROWS: '500',
      SYNC_BACKOFF_MS: '200',
      WORKER_CONCURRENCY: '1',
    });
    const res = await t
      .http()
      .post('/api/data-sync/single')
      .set('authorization', `Bearer ${user.token}`)
      .send({ file_id: fileId })
      .expect(202);
    const taskId = res.body.task_id as string;
    const task = async () =>
      (
        await t.db.rows<{ attempts: number; status: string; checkpoint: number }>(
          sql`select t.attempts, t.status, f.checkpoint_row as checkpoint
                from sync_tasks t, catalog_files f where t.id = ${taskId} and f.id = ${fileId}`,
        )
      )[0];

    // Once batches are committing, terminate the worker's backends until one dies under a running batch.
    const deadline = Date.now() + 90_000;
    const started = worker;
    await waitFor(task, (row) => row.checkpoint >= 2_000, {
      timeoutMs: 90_000,
      intervalMs: 20,
      // The error carries the last task row (status, attempts): a job never taken reads queued, a stuck batch active.
      what: () => `2,000 rows committed\n${started.log}`,
    });
    let terminated = 0;
    while ((await task()).attempts < 2 && (await task()).status === 'active') {
      if (Date.now() > deadline) throw new Error(`no retry after ${terminated} terminations:\n${worker.log}`);
      // Two steps: in one WHERE, PostgreSQL may call pg_terminate_backend before filtering by name.
      const pids = await t.db.rows<{ pid: number }>(
        sql`select pid from pg_stat_activity where application_name = ${appName}`,
      );
      for (const { pid } of pids) {
        const [{ ok }] = await t.db.rows<{ ok: boolean }>(sql`select pg_terminate_backend(${pid}::int) as ok`);
        if (ok) terminated++;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(terminated).toBeGreaterThan(0);
    const before = await task();
    expect(before.checkpoint).toBeLessThan(ROWS); // cut mid-file

    const done = await waitForTask(t, user.token, taskId, ['completed', 'failed'], 90_000);
    expect(done.status).toBe('completed');
    expect(done.attempts).toBeGreaterThanOrEqual(2); // the terminated batch was retried
    expect(worker.running).toBe(true); // a terminated backend is an error to retry, not a crash
    expect(done.files[0]).toMatchObject({
      status: 'ingested',
      rows_total: ROWS,
      inserted: ROWS,
      updated: 0,
      unchanged: 0,
    });
    const [{ n }] = await t.db.rows<{ n: number }>(
      sql`select count(*)::int as n from fact_rows where platform = 'tiktok' and shop_id = 'tt_pg'`,
    );
    expect(n).toBe(ROWS);
    await expectQuotasFree(t, [user.token]);
  }, 180_000);
});
