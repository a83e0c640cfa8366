import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { sql } from 'drizzle-orm';
import { fromBullPriority, SYNC_QUEUE } from '@app/sync-tasks';
import { sampleSpec, writeSample } from './support/samples';
import { upload } from './support/tasks';
import { createTestApp, TestApp } from './support/test-app';
import { drivers, tempDir } from './support/test-env';

type Session = Awaited<ReturnType<TestApp['login']>>;
const bearer = (s: Session) => ({ authorization: `Bearer ${s.token}` });

/** Concurrent single submissions are coalesced (SingleSubmitter); each must still behave as if alone. */
describe.each(['postgres', 'pglite'] as const)('coalesced single submissions (e2e, %s + Redis)', (driver) => {
  const dir = tempDir('ds-batching-');
  let t: TestApp;
  let fileId: number;
  let otherFileId: number;

  beforeAll(async () => {
    if (!(await drivers()).includes(driver)) throw new Error(`${driver} is not reachable; CI must provide it`);
    t = await createTestApp({ driver });
    const admin = await t.login('admin');
    for (const [i, shop] of ['us_b1', 'us_b2'].entries()) {
      const spec = { ...sampleSpec({ platform: 'amazon', domain: 'inventory' }, 5 + i), shopId: shop };
      const { path, meta } = await writeSample(dir.path, spec);
      const id = (await upload(t, admin.token, path, { ...meta, shop_id: shop }).expect(201)).body.id as number;
      if (i === 0) fileId = id;
      else otherFileId = id;
    }
  });
  afterAll(async () => {
    await t?.close();
    dir.remove();
  });

  const submit = (s: Session, body: object, headers: Record<string, string> = {}) =>
    t.http().post('/api/data-sync/single').set(bearer(s)).set(headers).send(body);
  const queue = () => t.app.get<Queue>(getQueueToken(SYNC_QUEUE));
  const count = async (s: Session) =>
    (await t.http().get('/api/data-sync/user-task-count').set(bearer(s)).expect(200)).body;

  it('admits exactly each quota of 210 simultaneous submissions by four users; every task row is enqueued once', async () => {
    const users = [
      { session: await t.login('normal'), limit: 10, requests: 50 },
      { session: await t.login('normal'), limit: 10, requests: 50 },
      { session: await t.login('premium'), limit: 20, requests: 50 },
      { session: await t.login('admin'), limit: 50, requests: 60 },
    ];
    // Interleaved, so that every batch mixes users (and both files).
    const calls = users.flatMap((u, ui) =>
      Array.from({ length: u.requests }, (_, i) => ({
        ui,
        order: i * users.length + ui,
        file: i % 2 ? fileId : otherFileId,
      })),
    );
    calls.sort((a, b) => a.order - b.order);
    const responses = await Promise.all(
      calls.map(async (c) => ({ ui: c.ui, file: c.file, res: await submit(users[c.ui].session, { file_id: c.file }) })),
    );

    const queued = await queue().getJobCounts('prioritized', 'waiting');
    for (const [ui, u] of users.entries()) {
      const mine = responses.filter((r) => r.ui === ui);
      const accepted = mine.filter((r) => r.res.status === 202);
      const refused = mine.filter((r) => r.res.status === 429);
      expect([accepted.length, refused.length]).toEqual([u.limit, u.requests - u.limit]);
      expect(refused[0].res.headers['retry-after']).toBe('30');
      expect(refused[0].res.body).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { limit: u.limit, remaining: 0 } });
      for (const r of accepted) {
        expect(r.res.body).toMatchObject({ status: 'queued', file_id: r.file, enqueued: true, replayed: false });
      }
      expect(await count(u.session)).toMatchObject({ queued: u.limit, in_flight: u.limit, remaining: 0 });

      // Each accepted task: one row, marked enqueued, and one job whose id is the task id.
      const ids = accepted.map((r) => r.res.body.task_id as string);
      expect(new Set(ids).size).toBe(u.limit);
      const rows = await t.db.rows<{ id: string; enqueued: boolean; file_ids: number[] }>(
        sql`select id, enqueued_at is not null as enqueued, file_ids from sync_tasks where user_id = ${u.session.userId}`,
      );
      expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
      expect(rows.every((r) => r.enqueued)).toBe(true);
      for (const id of ids) expect((await queue().getJob(id))?.data).toEqual({ taskId: id });
    }
    const total = users.reduce((n, u) => n + u.limit, 0);
    expect((queued.prioritized ?? 0) + (queued.waiting ?? 0)).toBe(total);
    const files = await t.db.rows<{ status: string }>(
      sql`select status from catalog_files where id in (${fileId}, ${otherFileId})`,
    );
    expect(files.map((f) => f.status)).toEqual(['queued', 'queued']);
  });

  it('answers an unknown file with 404 without failing the submissions coalesced with it', async () => {
    const user = await t.login('premium');
    const responses = await Promise.all(
      [fileId, 2_000_000_000, fileId, 2_000_000_001, otherFileId].map((id) => submit(user, { file_id: id })),
    );
    expect(responses.map((r) => r.status)).toEqual([202, 404, 202, 404, 202]);
    expect(responses[1].body).toMatchObject({ code: 'NOT_FOUND', details: { file: 2_000_000_000 } });
    expect(await count(user)).toMatchObject({ in_flight: 3 }); // no slot kept by the 404s
  });

  it('gives every one of 20 simultaneous submissions with one Idempotency-Key the same single task', async () => {
    const user = await t.login('premium');
    const key = { 'idempotency-key': `race-${driver}` };
    const responses = await Promise.all(Array.from({ length: 20 }, () => submit(user, { file_id: fileId }, key)));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(202));
    const ids = new Set(responses.map((r) => r.body.task_id as string));
    expect(ids.size).toBe(1);
    expect(responses.filter((r) => r.body.replayed === false).length).toBe(1);
    const [{ n }] = await t.db.rows<{ n: number }>(
      sql`select count(*)::int as n from sync_tasks where user_id = ${user.userId}`,
    );
    expect(n).toBe(1);
    expect(await count(user)).toMatchObject({ in_flight: 1 }); // the losers gave their reservations back
  });

  it('keeps priorities per submission inside one batch', async () => {
    const user = await t.login('admin');
    const responses = await Promise.all(
      [1, 10, 5].map((priority) => submit(user, { file_id: fileId, priority }).expect(202)),
    );
    const jobs = await Promise.all(responses.map((r) => queue().getJob(r.body.task_id as string)));
    expect(jobs.map((j) => fromBullPriority(j?.opts.priority ?? 0).priority)).toEqual([1, 10, 5]);
  });
});
