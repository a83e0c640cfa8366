import { sampleSpec, writeSample } from './support/samples';
import { upload, waitForTask } from './support/tasks';
import { createTestApp, TestApp } from './support/test-app';
import { tempDir } from './support/test-env';
import { waitFor } from './support/wait-for';

describe('overdue sweep (e2e, enabled by configuration)', () => {
  const dir = tempDir('ds-sweep-');
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      driver: 'postgres',
      withWorker: true,
      env: { SWEEP_PENDING_AFTER_S: '1', SWEEP_INTERVAL_MS: '1000' },
    });
  });
  afterAll(async () => {
    await t?.close();
    dir.remove();
  });

  it('queues files left pending past the configured age as one batch task owned by an admin', async () => {
    const admin = await t.login('admin');
    const user = await t.login('normal');
    const { path, meta } = await writeSample(dir.path, sampleSpec({ platform: 'amazon', domain: 'inventory' }, 40));
    const fileId = (await upload(t, user.token, path, meta).expect(201)).body.id as number;

    await waitFor(
      async () =>
        (await t.http().get(`/api/data-sync/files/${fileId}`).set('authorization', `Bearer ${user.token}`).expect(200))
          .body.status as string,
      (status) => status === 'ingested',
      { intervalMs: 100, what: `file ${fileId} ingested by the sweep` },
    );
    const tasks = (await t.http().get('/api/data-sync/tasks').set('authorization', `Bearer ${admin.token}`).expect(200))
      .body.items;
    expect(tasks).toEqual([expect.objectContaining({ kind: 'batch', user_id: admin.userId, total_files: 1 })]);
    const task = await waitForTask(t, admin.token, tasks[0].task_id as string);
    expect(task).toMatchObject({
      status: 'completed',
      files: [expect.objectContaining({ file_id: fileId, inserted: 40 })],
    });
  });
});
