import { sql } from 'drizzle-orm';
import { installSampleTemplates, sampleSpec, writeSample } from '../support/samples';
import { submitFiles, TaskBody, upload, waitForTask } from '../support/tasks';
import { createTestApp, TestApp } from '../support/test-app';
import { tempDir } from '../support/test-env';
import { WorkerProcess } from '../support/worker-process';
import { waitFor } from '../support/wait-for';

const ROWS = 30_000;
// Small batches and a short lock, so the kill lands mid-file and the stalled job comes back fast.
const WORKER_ENV = {
  INGEST_BATCH_ROWS: '500',
  WORKER_LOCK_MS: '5000',
  WORKER_STALLED_INTERVAL_MS: '1000',
  WORKER_CONCURRENCY: '2',
};

describe('worker crash safety (e2e, worker child processes, PostgreSQL + Redis)', () => {
  const dir = tempDir('ds-chaos-');
  let t: TestApp;
  let token: string;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    t = await createTestApp({ driver: 'postgres', env: WORKER_ENV });
    await installSampleTemplates(t);
    token = (await t.login('normal')).token;
  });
  afterAll(async () => {
    for (const w of workers) await w.kill();
    await t?.close();
    dir.remove();
  });

  async function startWorker(): Promise<WorkerProcess> {
    const worker = await WorkerProcess.start(t.config, WORKER_ENV);
    workers.push(worker);
    return worker;
  }

  async function uploadLargeCsv(shopId: string, rows = ROWS): Promise<number> {
    // Row content is seeded by the sample's own name; the row count makes each upload distinct bytes.
    const spec = { ...sampleSpec({ platform: 'tiktok', domain: 'orders', shopId: 'tt_5001' }, rows), shopId };
    const { path, meta } = await writeSample(dir.path, spec);
    const res = await upload(t, token, path, meta).expect(201);
    return res.body.id as number;
  }

  const submit = async (fileId: number): Promise<string> =>
    (
      await t
        .http()
        .post('/api/data-sync/single')
        .set('authorization', `Bearer ${token}`)
        .send({ file_id: fileId })
        .expect(202)
    ).body.task_id as string;

  const committedRows = async (fileId: number): Promise<number> =>
    (await t.db.rows<{ n: number }>(sql`select checkpoint_row as n from catalog_files where id = ${fileId}`))[0].n;

  const factRows = async (shopId: string): Promise<number> =>
    (
      await t.db.rows<{ n: number }>(
        sql`select count(*)::int as n from fact_rows where platform = 'tiktok' and shop_id = ${shopId}`,
      )
    )[0].n;

  it('finishes a task whose worker was SIGKILLed mid-file, every row written exactly once', async () => {
    const fileId = await uploadLargeCsv('tt_crash');
    const first = await startWorker();
    const taskId = await submit(fileId);

    // Kill once a few batches are committed and the file is clearly unfinished.
    await waitFor(
      () => committedRows(fileId),
      (n) => n >= 3_000,
      { timeoutMs: 60_000, intervalMs: 20, what: () => `3,000 rows before the kill\n${first.log}` },
    );
    await first.kill('SIGKILL');
    const atKill = await committedRows(fileId);
    expect(atKill).toBeLessThan(ROWS);

    await startWorker();
    const task: TaskBody = await waitForTask(t, token, taskId, ['completed', 'failed'], 90_000);
    expect(task.status).toBe('completed');
    // Resumed after the checkpoint: the counters add up to exactly one write per row.
    expect(task.files[0]).toMatchObject({
      status: 'ingested',
      rows_total: ROWS,
      inserted: ROWS,
      updated: 0,
      unchanged: 0,
    });
    expect(await factRows('tt_crash')).toBe(ROWS);
  });

  it('finishes a batch task whose worker died holding files claimed ahead of their turn, each exactly once', async () => {
    for (const w of workers) await w.kill(); // one worker only, so the task is surely on it
    const rows = [ROWS + 3, 100, 101, 102]; // distinct row counts: distinct bytes
    const ids = [await uploadLargeCsv('tt_ahead0', rows[0])];
    for (const [i, shopId] of ['tt_ahead1', 'tt_ahead2', 'tt_ahead3'].entries()) {
      ids.push(await uploadLargeCsv(shopId, rows[i + 1]));
    }
    const worker = await startWorker();
    const taskId = await submitFiles(t, token, ids);
    await waitFor(
      () => committedRows(ids[0]),
      (n) => n >= 3_000,
      { timeoutMs: 60_000, intervalMs: 20, what: () => `3,000 rows before the kill\n${worker.log}` },
    );
    await worker.kill('SIGKILL');
    // The small files were claimed with the first one and never started: the dead worker's task holds them.
    const held = await t.db.rows<{ status: string; ingest_task_id: string; checkpoint_row: number }>(
      sql`select status, ingest_task_id, checkpoint_row from catalog_files
           where id = any(${sql.param(ids.slice(1))}::int[])`,
    );
    expect(held).toEqual(ids.slice(1).map(() => ({ status: 'processing', ingest_task_id: taskId, checkpoint_row: 0 })));

    await startWorker();
    const task = await waitForTask(t, token, taskId, ['completed', 'failed'], 90_000);
    expect(task.status).toBe('completed');
    expect(task.files.map((f) => [f.file_id, f.status, f.rows_total, f.inserted, f.updated, f.unchanged])).toEqual(
      ids.map((id, i) => [id, 'ingested', rows[i], rows[i], 0, 0]),
    );
    for (const [i, shopId] of ['tt_ahead0', 'tt_ahead1', 'tt_ahead2', 'tt_ahead3'].entries()) {
      expect(await factRows(shopId)).toBe(rows[i]);
    }
  });

  it('on SIGTERM stops after the current batch, exits cleanly, and the task finishes elsewhere exactly once', async () => {
    for (const w of workers) await w.kill(); // one worker only, so the task is surely on it
    const fileId = await uploadLargeCsv('tt_term', ROWS - 2);
    const worker = await startWorker();
    const taskId = await submit(fileId);
    await waitFor(
      () => committedRows(fileId),
      (n) => n >= 3_000,
      { timeoutMs: 60_000, intervalMs: 20, what: () => `3,000 rows before SIGTERM\n${worker.log}` },
    );
    const stopped = Date.now();
    const exit = await worker.kill('SIGTERM');
    expect(exit).toEqual({ code: 143, signal: null }); // 128 + SIGTERM, by its own exit (docs/deployment.md)
    expect(worker.log).not.toMatch(/"level":50/); // no error logged on the way out
    expect(Date.now() - stopped).toBeLessThan(10_000); // one batch, not the whole file
    expect(await committedRows(fileId)).toBeLessThan(ROWS - 2);

    await startWorker();
    const task = await waitForTask(t, token, taskId, ['completed', 'failed'], 90_000);
    expect(task.status).toBe('completed');
    expect(task.files[0]).toMatchObject({ status: 'ingested', rows_total: ROWS - 2, inserted: ROWS - 2, unchanged: 0 });
    expect(await factRows('tt_term')).toBe(ROWS - 2);
  });

  it('never lets two workers ingest one file at the same time', async () => {
    const rows = ROWS - 1;
    const fileId = await uploadLargeCsv('tt_twice', rows);
    await startWorker(); // now two workers consume the queue
    const [a, b] = [await submit(fileId), await submit(fileId)];
    const tasks = [
      await waitForTask(t, token, a, ['completed', 'failed'], 90_000),
      await waitForTask(t, token, b, ['completed', 'failed'], 90_000),
    ];
    expect(tasks.map((x) => x.status)).toEqual(['completed', 'completed']);
    // One ingest wrote every row; the other ran after it (the lease held it off) and found all unchanged.
    const results = tasks.map((x) => x.files[0]).sort((x, y) => y.inserted - x.inserted);
    expect(results[0]).toMatchObject({ inserted: rows, unchanged: 0 });
    expect(results[1]).toMatchObject({ inserted: 0, updated: 0, unchanged: rows });
    expect(await factRows('tt_twice')).toBe(rows);
  });
});
