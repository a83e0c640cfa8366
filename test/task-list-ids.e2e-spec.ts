import { randomUUID } from 'node:crypto';
import { TasksRepository } from '@app/sync-tasks';
import { createTestApp, TestApp } from './support/test-app';

type Session = Awaited<ReturnType<TestApp['login']>>;
const bearer = (s: Session) => ({ authorization: `Bearer ${s.token}` });

describe('GET /api/data-sync/tasks?ids= (e2e, PostgreSQL)', () => {
  let t: TestApp;
  let alice: Session;
  let bob: Session;
  let admin: Session;
  const aliceTasks: string[] = [];
  let bobTask: string;

  beforeAll(async () => {
    t = await createTestApp({ driver: 'postgres' });
    [alice, bob, admin] = [await t.login('normal'), await t.login('normal'), await t.login('admin')];
    const tasks = t.app.get(TasksRepository);
    const insert = async (userId: number) =>
      (await tasks.insert({ id: randomUUID(), userId, kind: 'single', fileIds: [], enqueuedAt: new Date() })).id;
    for (let i = 0; i < 3; i++) aliceTasks.push(await insert(alice.userId));
    bobTask = await insert(bob.userId);
  });
  afterAll(() => t?.close());

  const list = (who: Session, ids: string[] | string) =>
    t
      .http()
      .get(`/api/data-sync/tasks?ids=${Array.isArray(ids) ? ids.join(',') : ids}`)
      .set(bearer(who));

  it('returns exactly the asked tasks in the order asked, in one page', async () => {
    const asked = [aliceTasks[2], aliceTasks[0], aliceTasks[1]];
    const res = await list(alice, asked).expect(200);
    expect(res.body.items.map((i: { task_id: string }) => i.task_id)).toEqual(asked);
    expect(res.body).toMatchObject({ total: 3, page: 1, page_size: 3 });
    expect(res.body.items[0]).toMatchObject({ user_id: alice.userId, status: 'queued', total_files: 0 });
  });

  it("leaves out other users' tasks and unknown ids; an admin sees every task", async () => {
    const asked = [aliceTasks[0], bobTask, randomUUID()];
    const mine = await list(alice, asked).expect(200);
    expect(mine.body.items.map((i: { task_id: string }) => i.task_id)).toEqual([aliceTasks[0]]);
    const all = await list(admin, asked).expect(200);
    expect(all.body.items.map((i: { task_id: string }) => i.task_id)).toEqual([aliceTasks[0], bobTask]);
  });

  it('accepts repeated ids parameters and a status filter', async () => {
    const res = await t
      .http()
      .get(`/api/data-sync/tasks?ids=${aliceTasks[0]}&ids=${aliceTasks[1]}&status=completed`)
      .set(bearer(alice))
      .expect(200);
    expect(res.body.items).toEqual([]);
  });

  it('answers 400 for more than 100 ids, an id that is not a UUID, or none', async () => {
    const tooMany = Array.from({ length: 101 }, () => randomUUID());
    for (const ids of [tooMany, 'not-a-uuid', '']) {
      const res = await list(alice, ids);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    }
    await list(alice, tooMany.slice(0, 100)).expect(200);
  });
});
