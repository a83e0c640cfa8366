import { ChaosFile, expectIngestedOnce, expectQuotasFree, factRowsOf, finishAll, uploadFiles } from '../support/chaos';
import { installSampleTemplates } from '../support/samples';
import { ThrowawayRedis } from '../support/redis-server';
import { createTestApp, TestApp } from '../support/test-app';
import { tempDir } from '../support/test-env';
import { WorkerProcess } from '../support/worker-process';

const USERS = 10;
const TASKS_PER_USER = 10;

describe('100 concurrent tasks from 10 users (chaos, own Redis, two worker processes)', () => {
  const dir = tempDir('ds-chaos-users-');
  let redis: ThrowawayRedis;
  let t: TestApp;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    t = await createTestApp({ driver: 'postgres', redisUrl: redis.url, env: { QUOTA_NORMAL: '20' } });
    await installSampleTemplates(t);
  });
  afterAll(async () => {
    for (const w of workers) await w.kill();
    await t?.close();
    await redis?.stop();
    dir.remove();
  });

  it('completes every task, writes each row once, and leaves every quota at zero', async () => {
    const users = await Promise.all(Array.from({ length: USERS }, () => t.login('normal')));
    const files: ChaosFile[] = await uploadFiles(t, users[0].token, dir.path, USERS * TASKS_PER_USER, 'us_many');
    for (let i = 0; i < 2; i++) workers.push(await WorkerProcess.start(t.config, { WORKER_CONCURRENCY: '3' }));

    // All 100 at once: user u submits files u, u + 10, u + 20, …
    const submissions = files.map((file, i) => {
      const user = users[i % USERS];
      return t
        .http()
        .post('/api/data-sync/single')
        .set('authorization', `Bearer ${user.token}`)
        .send({ file_id: file.id })
        .then((res) => ({ res, token: user.token }));
    });
    const answers = await Promise.all(submissions);
    expect(answers.map((a) => a.res.status)).toEqual(Array(files.length).fill(202));
    expect(new Set(answers.map((a) => a.res.body.task_id as string)).size).toBe(files.length);

    for (const user of users) {
      const mine = answers.filter((a) => a.token === user.token).map((a) => a.res.body.task_id as string);
      expect(await finishAll(t, user.token, mine)).toEqual(Array(TASKS_PER_USER).fill('completed'));
    }
    await expectIngestedOnce(t, files);
    expect(await factRowsOf(t, 'us_many')).toBe(files.reduce((n, f) => n + f.rows, 0));
    await expectQuotasFree(
      t,
      users.map((u) => u.token),
    );
    for (const w of workers) expect(w.log).not.toMatch(/"level":50/);
  }, 240_000);
});
