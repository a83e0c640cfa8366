import { sql } from 'drizzle-orm';
import { QuotaService } from '@app/quota';
import { ApiProcess } from '../support/api-process';
import { expectIngestedOnce, expectQuotasFree, finishAll, uploadFiles } from '../support/chaos';
import { installSampleTemplates } from '../support/samples';
import { ThrowawayRedis } from '../support/redis-server';
import { createTestApp, TestApp } from '../support/test-app';
import { tempDir } from '../support/test-env';
import { WorkerProcess } from '../support/worker-process';

const SUBMISSIONS = 40;
const LANES = 8;

/**
 * The API process SIGKILLed while submissions are in flight: some were answered 202, some were cut off
 * before, during or after their insert or their enqueue. Every 202 must complete, and nothing twice; a task
 * inserted but never enqueued is put back by the restarted API's start-up check.
 */
describe('API process SIGKILLed with submissions in flight (chaos, own Redis, API and worker processes)', () => {
  const dir = tempDir('ds-chaos-api-');
  let redis: ThrowawayRedis;
  let t: TestApp;
  const processes: WorkerProcess[] = [];

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    // The in-process app only sets up users and files and reads task status; the API under test is a child.
    t = await createTestApp({ driver: 'postgres', redisUrl: redis.url, env: { QUOTA_NORMAL: '100' } });
    await installSampleTemplates(t);
  });
  afterAll(async () => {
    for (const p of processes) await p.kill();
    await t?.close();
    await redis?.stop();
    dir.remove();
  });

  it('completes every task that was answered 202, each file ingested once', async () => {
    const user = await t.login('normal');
    const files = await uploadFiles(t, user.token, dir.path, SUBMISSIONS, 'ac_');
    const env = { QUOTA_NORMAL: '100' };
    const api = await ApiProcess.startApi(t.config, env);
    processes.push(api, await WorkerProcess.start(t.config, { WORKER_CONCURRENCY: '2' }));

    const accepted: string[] = [];
    let answered = 0;
    const submitOne = async (fileId: number): Promise<boolean> => {
      try {
        const res = await fetch(`${api.url}/api/data-sync/single`, {
          method: 'POST',
          headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ file_id: fileId }),
        });
        answered++;
        if (res.status !== 202) throw new Error(`unexpected ${res.status}`); // a 4xx/5xx is a failure
        accepted.push(((await res.json()) as { task_id: string }).task_id);
        return true;
      } catch (error) {
        if ((error as Error).message.startsWith('unexpected')) throw error;
        return false; // the connection was cut: the client does not know whether it was accepted
      }
    };
    // LANES clients, each submitting its files one after another until its connection is cut.
    const submissions = Array.from({ length: LANES }, async (_, lane) => {
      for (let i = lane; i < files.length; i += LANES) if (!(await submitOne(files[i].id))) return;
    });
    // Kill as soon as the first answers arrive: the rest are somewhere between request and 202.
    while (answered < 12 && api.running) await new Promise((r) => setTimeout(r, 1));
    await api.kill('SIGKILL');
    const killedAt = Date.now();
    await Promise.all(submissions);
    expect(accepted.length).toBeGreaterThanOrEqual(12);
    expect(accepted.length).toBeLessThan(SUBMISSIONS); // the kill cut some off

    processes.push(await ApiProcess.startApi(t.config, env)); // as a supervisor restarts it
    expect(await finishAll(t, user.token, accepted)).toEqual(Array(accepted.length).fill('completed'));

    // Tasks inserted without an answer are the client's to retry; they must finish too (no slot kept forever).
    const rows = await t.db.rows<{ id: string; status: string; file_id: number }>(
      sql`select id, status, (file_ids->>0)::int as file_id from sync_tasks`,
    );
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set([...accepted, ...rows.map((r) => r.id)]));
    expect(
      await finishAll(
        t,
        user.token,
        rows.map((r) => r.id),
      ),
    ).toEqual(Array(rows.length).fill('completed'));
    expect(new Set(rows.map((r) => r.file_id)).size).toBe(rows.length); // one task per submitted file
    await expectIngestedOnce(
      t,
      files.filter((f) => rows.some((r) => r.file_id === f.id)),
    );
    // A submission cut off between its Redis reservation and its row holds a slot that no task backs; the
    // periodic reconciliation (QuotaReconciler, every minute) releases it once it is 30 s old: run it now instead
    // of waiting, with a grace that covers exactly the killed process's reservations (it can add no more rows).
    const { dropped } = await t.app.get(QuotaService).reconcile(Date.now() - killedAt);
    expect(dropped).toBeLessThanOrEqual(LANES); // at most the one request each client had in flight
    await expectQuotasFree(t, [user.token]);
  }, 180_000);
});
