import { sql } from 'drizzle-orm';
import { OutboxRelay } from '@app/sync-tasks';
import { expectIngestedOnce, expectQuotasFree, finishAll, uploadFiles } from '../support/chaos';
import { installSampleTemplates } from '../support/samples';
import { ThrowawayRedis } from '../support/redis-server';
import { createTestApp, TestApp } from '../support/test-app';
import { tempDir } from '../support/test-env';
import { WorkerProcess } from '../support/worker-process';

const TASKS = 24;
const BEFORE_KILL = 16;

/**
 * Redis SIGKILLed with a backlog queued and submissions still arriving, then restarted. With the
 * append-only file (fsync always) Redis comes back with its jobs; without it Redis comes back empty and
 * the outbox (tasks accepted while it was down) and the vanished-job repair (tasks whose job it forgot,
 * run when the API's connection is ready again) put every accepted task back.
 */
describe.each([
  ['append-only file on', true],
  ['no persistence', false],
])('Redis killed and restarted, %s (chaos, own Redis, worker process)', (_label, persist) => {
  const dir = tempDir('ds-chaos-redis-');
  let redis: ThrowawayRedis;
  let t: TestApp;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    redis = await ThrowawayRedis.start(persist ? { persistDir: dir.path } : {});
    t = await createTestApp({ driver: 'postgres', redisUrl: redis.url, env: { QUOTA_NORMAL: '100' } });
    await installSampleTemplates(t);
  });
  afterAll(async () => {
    await worker?.kill();
    await t?.close();
    await redis?.stop();
    dir.remove();
  });

  it('completes every accepted task exactly once, and frees every quota slot', async () => {
    const user = await t.login('normal');
    const shops = `rr_${persist ? 'aof' : 'none'}_`;
    const files = await uploadFiles(t, user.token, dir.path, TASKS, shops, 300);
    worker = await WorkerProcess.start(t.config, { WORKER_CONCURRENCY: '1', SYNC_BACKOFF_MS: '200' });
    const submit = (fileId: number) =>
      t.http().post('/api/data-sync/single').set('authorization', `Bearer ${user.token}`).send({ file_id: fileId });

    const accepted: { task_id: string; enqueued: boolean }[] = [];
    for (const [i, file] of files.entries()) {
      if (i === BEFORE_KILL) {
        const [{ n }] = await t.db.rows<{ n: number }>(
          sql`select count(*)::int as n from sync_tasks where status = 'queued' and enqueued_at is not null`,
        );
        expect(n).toBeGreaterThan(1); // a crash with a backlog in Redis (and a job active)
        await redis.stop('SIGKILL');
      }
      const res = await submit(file.id);
      expect(res.status).toBe(202);
      accepted.push(res.body);
    }
    expect(accepted.filter((a) => !a.enqueued).length).toBe(TASKS - BEFORE_KILL); // in the outbox
    const repair = jest.spyOn(t.app.get(OutboxRelay), 'requeueVanished');
    await redis.restart();

    expect(
      await finishAll(
        t,
        user.token,
        accepted.map((a) => a.task_id),
      ),
    ).toEqual(Array(TASKS).fill('completed'));
    await expectIngestedOnce(t, files);
    // Redis with its append-only file forgot nothing; without one, the backlog came back through the repair.
    const repaired = (await Promise.all(repair.mock.results.map((r) => r.value as Promise<number>))).reduce(
      (a, b) => a + b,
      0,
    );
    if (persist) expect(repaired).toBe(0);
    else expect(repaired).toBeGreaterThan(0);
    await expectQuotasFree(t, [user.token]);
  }, 180_000);
});
