import { expectIngestedOnce, expectQuotasFree, finishAll, uploadFiles } from '../support/chaos';
import { installSampleTemplates } from '../support/samples';
import { ThrowawayRedis, waitFor } from '../support/redis-server';
import { createTestApp, TestApp } from '../support/test-app';
import { tempDir } from '../support/test-env';
import { WorkerProcess } from '../support/worker-process';
import { sql } from 'drizzle-orm';

const USERS = 3;
const TASKS_PER_USER = 6;
const GRACE_MS = 5_000;

/** SIGTERM to a worker busy with several tasks while more are queued: none is lost, none runs twice. */
describe('worker SIGTERM under load (chaos, own Redis, two worker processes)', () => {
  const dir = tempDir('ds-chaos-term-');
  let redis: ThrowawayRedis;
  let t: TestApp;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    t = await createTestApp({ driver: 'postgres', redisUrl: redis.url });
    await installSampleTemplates(t);
  });
  afterAll(async () => {
    for (const w of workers) await w.kill();
    await t?.close();
    await redis?.stop();
    dir.remove();
  });

  it('finishes or hands back its active tasks within the grace period, and every task completes once', async () => {
    const users = await Promise.all(Array.from({ length: USERS }, () => t.login('normal')));
    const files = await uploadFiles(t, users[0].token, dir.path, USERS * TASKS_PER_USER, 'st_', 600);
    const env = { WORKER_CONCURRENCY: '3', INGEST_BATCH_ROWS: '250', WORKER_SHUTDOWN_GRACE_MS: String(GRACE_MS) };
    const first = await WorkerProcess.start(t.config, env);
    workers.push(first);

    const submitted = await Promise.all(
      files.map(async (file, i) => {
        const user = users[i % USERS];
        const res = await t
          .http()
          .post('/api/data-sync/single')
          .set('authorization', `Bearer ${user.token}`)
          .send({ file_id: file.id })
          .expect(202);
        return { token: user.token, taskId: res.body.task_id as string };
      }),
    );
    // Under load: three tasks active on this worker, the rest queued.
    const activeNow = async () =>
      (await t.db.rows<{ n: number }>(sql`select count(*)::int as n from sync_tasks where status = 'active'`))[0].n;
    await waitFor(async () => (await activeNow()) >= 2, 60_000, 'the worker never got busy');

    const stopping = Date.now();
    const exit = await first.kill('SIGTERM');
    expect(exit).toEqual({ code: 143, signal: null }); // 128 + SIGTERM, by its own exit (docs/deployment.md)
    expect(Date.now() - stopping).toBeLessThan(GRACE_MS + 5_000);
    expect(first.log).not.toMatch(/"level":50/);

    workers.push(await WorkerProcess.start(t.config, env));
    for (const user of users) {
      const mine = submitted.filter((s) => s.token === user.token).map((s) => s.taskId);
      expect(await finishAll(t, user.token, mine)).toEqual(Array(TASKS_PER_USER).fill('completed'));
    }
    await expectIngestedOnce(t, files);
    await expectQuotasFree(
      t,
      users.map((u) => u.token),
    );
  }, 180_000);
});
