import { sql } from 'drizzle-orm';
import { installSampleTemplates, sampleSpec, writeSample } from './support/samples';
import { waitFor } from './support/redis-server';
import { upload, waitForTask } from './support/tasks';
import { createTestApp, TestApp } from './support/test-app';
import { tempDir } from './support/test-env';
import { WorkerProcess } from './support/worker-process';

/** Raw SQL returns timestamps as text: compare instants, not strings. */
const ms = (value: Date | string): number => new Date(value).getTime();

type Session = Awaited<ReturnType<TestApp['login']>>;

interface Started {
  id: string;
  user_id: number;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

describe('fair share across users (e2e, one worker slot in its own process)', () => {
  const dir = tempDir('ds-fairness-');
  let t: TestApp;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    t = await createTestApp({ driver: 'postgres', env: { QUOTA_NORMAL: '100' } });
    await installSampleTemplates(t);
  });
  afterAll(async () => {
    await worker?.kill();
    await t?.close();
    dir.remove();
  });

  const submit = async (s: Session, fileId: number, priority = 5): Promise<string> =>
    (
      await t
        .http()
        .post('/api/data-sync/single')
        .set('authorization', `Bearer ${s.token}`)
        .send({ file_id: fileId, priority })
        .expect(202)
    ).body.task_id as string;
  const tasks = () => t.db.rows<Started>(sql`select id, user_id, created_at, started_at, finished_at from sync_tasks`);
  /** Tasks other than `task` that started after it was submitted and before it started. */
  const startedAhead = (all: Started[], task: Started) =>
    all.filter(
      (x) =>
        x.id !== task.id &&
        x.started_at !== null &&
        ms(x.started_at) > ms(task.created_at) &&
        ms(x.started_at) < ms(task.started_at as Date),
    );

  it("starts a user's task after at most one task per active user while another user holds 50, and a 10 before any 5", async () => {
    const [a, b] = [await t.login('normal'), await t.login('normal')];
    const { path, meta } = await writeSample(dir.path, sampleSpec({ platform: 'amazon', domain: 'inventory' }, 5));
    const fileId = (await upload(t, a.token, path, meta).expect(201)).body.id as number;
    worker = await WorkerProcess.start(t.config, { WORKER_CONCURRENCY: '1' });

    const backlog = await Promise.all(Array.from({ length: 50 }, () => submit(a, fileId)));
    // The worker is into A's backlog: two of A's tasks are done.
    await waitFor(
      async () => (await tasks()).filter((x) => x.finished_at !== null).length >= 2,
      60_000,
      "A's first tasks did not finish",
    );
    const bTask = await submit(b, fileId);
    const urgent = await submit(a, fileId, 10);
    await waitForTask(t, b.token, bTask, ['completed'], 60_000);
    await waitForTask(t, a.token, urgent, ['completed'], 60_000);

    const all = await tasks();
    const byId = new Map(all.map((x) => [x.id, x]));
    const bRow = byId.get(bTask) as Started;
    const urgentRow = byId.get(urgent) as Started;
    // Two active users: ahead of B at most the job the worker held when B arrived (its started_at may be written
    // just after) and A's one task in the round being served; the urgent task is allowed to overtake.
    expect(startedAhead(all, bRow).filter((x) => x.id !== urgent).length).toBeLessThanOrEqual(2);
    // Priority wins across levels: of the priority-5 tasks only the job the worker held may start before it.
    expect(startedAhead(all, urgentRow).length).toBeLessThanOrEqual(1);
    const aStillQueued = all.filter((x) => backlog.includes(x.id) && x.started_at === null).length;
    expect(aStillQueued).toBeGreaterThan(30); // B did not wait for the backlog

    // The rest of A's backlog is cancelled: queued tasks leave the queue, and both users' quotas are free again.
    for (const id of backlog) {
      await t.http().post(`/api/data-sync/cancel-task/${id}`).set('authorization', `Bearer ${a.token}`);
    }
    for (const id of backlog) await waitForTask(t, a.token, id, ['completed', 'cancelled'], 60_000);
    for (const s of [a, b]) {
      const usage = await t.http().get('/api/data-sync/user-task-count').set('authorization', `Bearer ${s.token}`);
      expect(usage.body).toMatchObject({ in_flight: 0 });
    }
  });
});
