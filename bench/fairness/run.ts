/**
 * Fairness benchmark: with user A holding a backlog of 50 queued tasks, how long does user B's one task
 * wait before it starts, against the goal "number of active users × one small task's time"?
 *
 * One worker process with one slot (WORKER_CONCURRENCY=1, so "one task's time" is plain), the API in this
 * process (test/support's createTestApp: real Fastify app, own PostgreSQL database and Redis prefix), one
 * small CSV (5 rows). Per run: A submits 50 tasks; once two of them finished, B submits one. Measured from
 * sync_tasks: B's wait = B.started_at − B.created_at; one task's time = the median gap between consecutive
 * starts of A's tasks (service time including dispatch). Without fair share B would wait for the whole
 * backlog (≈ 48 × that gap). A's rest is cancelled between runs.
 *
 * env knobs: BENCH_RUNS (3), BENCH_BACKLOG (50), BENCH_OUT (JSON results). Runtime ≈ 1–2 min.
 */
import { writeFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { installSampleTemplates, sampleSpec, writeSample } from '../../test/support/samples';
import { waitFor } from '../../test/support/redis-server';
import { upload } from '../../test/support/tasks';
import { createTestApp } from '../../test/support/test-app';
import { tempDir } from '../../test/support/test-env';
import { WorkerProcess } from '../../test/support/worker-process';
import { envInt, median, round, table } from '../lib/stats';

const env = process.env;
const RUNS = Math.max(1, envInt(env, 'BENCH_RUNS', 3));
const BACKLOG = Math.max(5, envInt(env, 'BENCH_BACKLOG', 50));
const ACTIVE_USERS = 2;

interface Row {
  id: string;
  user_id: number;
  created_at: Date;
  started_at: Date | null;
  status: string;
}

interface RunResult {
  bWaitMs: number;
  taskMs: number;
  ratio: number;
  aStartedBeforeB: number;
}

/** Raw SQL returns timestamps as text. */
const ms = (value: Date | string): number => new Date(value).getTime();

async function main(): Promise<void> {
  const dir = tempDir('ds-bench-fair-');
  const t = await createTestApp({ driver: 'postgres', env: { QUOTA_NORMAL: String(BACKLOG + 10) } });
  let worker: WorkerProcess | undefined;
  try {
    await installSampleTemplates(t);
    const [a, b] = [await t.login('normal'), await t.login('normal')];
    const { path, meta } = await writeSample(dir.path, sampleSpec({ platform: 'amazon', domain: 'inventory' }, 5));
    const fileId = (await upload(t, a.token, path, meta).expect(201)).body.id as number;
    worker = await WorkerProcess.start(t.config, { WORKER_CONCURRENCY: '1' });
    const submit = async (token: string): Promise<string> =>
      (
        await t
          .http()
          .post('/api/data-sync/single')
          .set('authorization', `Bearer ${token}`)
          .send({ file_id: fileId })
          .expect(202)
      ).body.task_id as string;
    const rows = (ids: string[]) =>
      t.db.rows<Row>(
        sql`select id, user_id, created_at, started_at, status from sync_tasks where id = any(${sql.param(ids)}::uuid[])`,
      );

    const results: RunResult[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const backlog = await Promise.all(Array.from({ length: BACKLOG }, () => submit(a.token)));
      await waitFor(
        async () => (await rows(backlog)).filter((r) => r.status === 'completed').length >= 2,
        120_000,
        "A's backlog did not start",
      );
      const bTask = await submit(b.token);
      await waitFor(async () => (await rows([bTask]))[0].status === 'completed', 120_000, "B's task did not finish");
      const all = await rows([...backlog, bTask]);
      const bRow = all.find((r) => r.id === bTask) as Row;
      const aStarts = all
        .filter((r) => r.id !== bTask && r.started_at)
        .map((r) => ms(r.started_at as Date))
        .sort((x, y) => x - y);
      const gaps = aStarts.slice(1).map((s, i) => s - aStarts[i]);
      const bStart = ms(bRow.started_at as Date);
      const result: RunResult = {
        bWaitMs: bStart - ms(bRow.created_at),
        taskMs: median(gaps),
        ratio: 0,
        aStartedBeforeB: aStarts.filter((s) => s < bStart).length,
      };
      result.ratio = result.bWaitMs / (ACTIVE_USERS * result.taskMs);
      results.push(result);
      console.log(`run ${run}: ${JSON.stringify(result)}`);
      for (const id of backlog)
        await t.http().post(`/api/data-sync/cancel-task/${id}`).set('authorization', `Bearer ${a.token}`);
      await waitFor(
        async () => (await rows(backlog)).every((r) => ['completed', 'cancelled'].includes(r.status)),
        60_000,
        'backlog did not settle',
      );
    }
    const summary = {
      runs: results,
      median: {
        bWaitMs: median(results.map((r) => r.bWaitMs)),
        taskMs: median(results.map((r) => r.taskMs)),
        ratio: median(results.map((r) => r.ratio)),
      },
    };
    console.log(
      table(
        ['measure', 'median of ' + RUNS, 'runs'],
        [
          [
            "B's wait to start (ms)",
            String(round(summary.median.bWaitMs)),
            results.map((r) => round(r.bWaitMs)).join(' / '),
          ],
          [
            'one small task (ms, gap between starts)',
            String(round(summary.median.taskMs)),
            results.map((r) => round(r.taskMs)).join(' / '),
          ],
          [
            `goal: ≤ ${ACTIVE_USERS} users × one task = ratio ≤ 1`,
            String(round(summary.median.ratio, 2)),
            results.map((r) => round(r.ratio, 2)).join(' / '),
          ],
          [`A's tasks started before B (of ${BACKLOG})`, '', results.map((r) => r.aStartedBeforeB).join(' / ')],
        ],
      ),
    );
    if (env.BENCH_OUT) writeFileSync(env.BENCH_OUT, JSON.stringify(summary, null, 2));
  } finally {
    await worker?.kill();
    await t.close();
    dir.remove();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
