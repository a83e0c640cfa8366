import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { sql } from 'drizzle-orm';
import { SYNC_QUEUE } from '@app/sync-tasks';
import { installSampleTemplates, sampleSpec, writeSample } from './support/samples';
import { upload, waitForTask } from './support/tasks';
import { createTestApp, TestApp } from './support/test-app';
import { tempDir } from './support/test-env';
import { waitForQueueIdle } from './support/wait-for';
import { WorkerProcess } from './support/worker-process';

describe('priorities (e2e, one worker slot in its own process)', () => {
  const dir = tempDir('ds-priority-');
  let t: TestApp;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    t = await createTestApp({ driver: 'postgres', env: { QUOTA_ADMIN: '100' } });
    await installSampleTemplates(t);
  });
  afterAll(async () => {
    await worker?.kill();
    await t?.close();
    dir.remove();
  });

  it('runs a priority-10 task submitted after twenty priority-1 tasks before all of them', async () => {
    const admin = await t.login('admin');
    const auth = { authorization: `Bearer ${admin.token}` };
    const { path, meta } = await writeSample(dir.path, sampleSpec({ platform: 'amazon', domain: 'inventory' }, 30));
    const fileId = (await upload(t, admin.token, path, meta).expect(201)).body.id as number;
    const submit = async (priority: number) =>
      (await t.http().post('/api/data-sync/single').set(auth).send({ file_id: fileId, priority }).expect(202)).body
        .task_id as string;

    const low: string[] = [];
    for (let i = 0; i < 20; i++) low.push(await submit(1));
    const urgent = await submit(10);

    worker = await WorkerProcess.start(t.config, { WORKER_CONCURRENCY: '1' });
    await waitForTask(t, admin.token, urgent, ['completed'], 60_000);
    await waitForQueueIdle(t.app.get<Queue>(getQueueToken(SYNC_QUEUE)), { timeoutMs: 60_000 });
    const rows = await t.db.rows<{ id: string; status: string; started_at: string }>(
      sql`select id, status, started_at from sync_tasks order by started_at`,
    );
    expect(rows[0].id).toBe(urgent);
    expect(rows).toHaveLength(21);
    expect(rows.map((r) => r.id).sort()).toEqual([urgent, ...low].sort());
    expect(rows.every((r) => r.status === 'completed')).toBe(true);
  });
});
