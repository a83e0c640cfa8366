import { sql } from 'drizzle-orm';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as iconv from 'iconv-lite';
import { installSampleTemplates, sampleSpec, writeEditedCsv, writeSample } from './support/samples';
import { cancelTask, submitFiles, syncFile, syncFiles, TaskBody, upload, waitForTask } from './support/tasks';
import { createTestApp, TestApp } from './support/test-app';
import { lockFactRows, tempDir } from './support/test-env';
import { sheetXml, workbookParts, writeZip } from './support/zip-writer';
import { waitFor } from './support/wait-for';

type Session = Awaited<ReturnType<TestApp['login']>>;

describe('ingest (e2e, PostgreSQL + Redis, worker in process)', () => {
  const dir = tempDir('ds-ingest-');
  let t: TestApp;
  let user: Session;

  beforeAll(async () => {
    t = await createTestApp({
      driver: 'postgres',
      withWorker: true,
      env: { INGEST_BATCH_ROWS: '250', DB_LOCK_TIMEOUT_MS: '500' },
    });
    await installSampleTemplates(t);
    user = await t.login('normal');
  });
  afterAll(async () => {
    await t?.close();
    dir.remove();
  });

  const factCount = async (fileScope: { platform: string; shopId: string; domain: string }) => {
    const rows = await t.db.rows<{ n: number }>(sqlCount(fileScope.platform, fileScope.shopId, fileScope.domain));
    return rows[0].n;
  };

  async function uploadSample(spec: ReturnType<typeof sampleSpec>): Promise<number> {
    const { path, meta } = await writeSample(dir.path, spec);
    const res = await upload(t, user.token, path, meta).expect(201);
    return res.body.id as number;
  }

  /** Uploads the spec's sample (or, with `content`, another file under the sample's metadata) for `shopId`. */
  async function uploadUnder(spec: ReturnType<typeof sampleSpec>, shopId: string, content?: string): Promise<number> {
    const { path, meta } = await writeSample(dir.path, spec);
    const res = await upload(t, user.token, content ?? path, { ...meta, shop_id: shopId }).expect(201);
    return res.body.id as number;
  }

  function onlyFile(task: TaskBody) {
    expect(task.files).toHaveLength(1);
    return task.files[0];
  }

  it('ingests a CSV with Chinese headers (UTF-8 BOM) with exact counts', async () => {
    const spec = sampleSpec({ platform: 'shopee', domain: 'orders', format: 'csv' }, 1_200);
    const task = await syncFile(t, user.token, await uploadSample(spec));
    expect(task).toMatchObject({ status: 'completed', attempts: 1, error: null });
    expect(onlyFile(task)).toMatchObject({
      status: 'ingested',
      rows_total: 1_200,
      inserted: 1_200,
      updated: 0,
      unchanged: 0,
      quarantined: 0,
    });
    expect(task.progress).toMatchObject({ files_total: 1, files_done: 1, rows_done: 1_200, percent: 100 });
    expect(await factCount({ platform: 'shopee', shopId: spec.shopId, domain: 'orders' })).toBe(1_200);
  });

  it('ingests an XLSX whose header sits on row 3 with exact counts', async () => {
    const spec = sampleSpec({ platform: 'tiktok', domain: 'analytics', format: 'xlsx' }, 700);
    const task = await syncFile(t, user.token, await uploadSample(spec));
    expect(onlyFile(task)).toMatchObject({ status: 'ingested', rows_total: 700, inserted: 700, quarantined: 0 });
    expect(await factCount({ platform: 'tiktok', shopId: spec.shopId, domain: 'analytics' })).toBe(700);
  });

  it('ingests a GBK-encoded CSV', async () => {
    const spec = sampleSpec({ platform: 'miaoshou', domain: 'services' }, 400);
    const task = await syncFile(t, user.token, await uploadSample(spec));
    expect(onlyFile(task)).toMatchObject({ status: 'ingested', inserted: 400 });
    const [row] = await t.db.rows<{ raw: Record<string, string> }>(rawOf('miaoshou'));
    expect(Object.keys(row.raw)).toContain('服务单号');
  });

  it('ingests a Windows-1252 CSV with blank lines before its header, recording the encoding', async () => {
    const path = join(dir.path, 'western.csv');
    const text = '\r\n\r\nBestellnr;Produit;Preis\r\nEU-1;Café crème;12,50 €\r\nEU-2;Müsli groß;4,99 €\r\n';
    writeFileSync(path, iconv.encode(text, 'windows-1252'));
    const meta = { platform: 'euwest', shop_id: 'fr_1', data_domain: 'orders', granularity: 'daily' };
    const id = (await upload(t, user.token, path, meta).expect(201)).body.id as number;
    const task = await syncFile(t, user.token, id);
    expect(onlyFile(task)).toMatchObject({ status: 'ingested', rows_total: 2, inserted: 2 });
    const rows = await t.db.rows<{ raw: Record<string, string> }>(
      sql`select raw from fact_rows where platform = 'euwest'`,
    );
    expect(rows.map((row) => row.raw.Produit).sort()).toEqual(['Café crème', 'Müsli groß']);
    expect(rows.map((row) => row.raw.Preis).sort()).toEqual(['12,50 €', '4,99 €']);
    const [file] = await t.db.rows<{ text_encoding: string }>(
      sql`SELECT text_encoding FROM catalog_files WHERE id = ${id}`,
    );
    expect(file.text_encoding).toBe('windows-1252');
  });

  it('reads a CSV in the encoding declared with its upload, over what detection would pick', async () => {
    const path = join(dir.path, 'declared.csv');
    // ÄÖÜäöü in Windows-1252 is C4 D6 DC E4 F6 FC: three valid GBK characters, which detection would pick.
    writeFileSync(path, Buffer.from('sku,name\r\nD-1,ÄÖÜäöü\r\n', 'latin1'));
    const meta = { platform: 'eudeclared', shop_id: 'de_1', data_domain: 'orders', granularity: 'daily' };
    const id = (await upload(t, user.token, path, { ...meta, encoding: 'windows-1252' }).expect(201)).body.id as number;
    expect(onlyFile(await syncFile(t, user.token, id))).toMatchObject({ status: 'ingested', inserted: 1 });
    const [row] = await t.db.rows<{ raw: Record<string, string> }>(rawOf('eudeclared'));
    expect(row.raw.name).toBe('ÄÖÜäöü');
    await upload(t, user.token, path, { ...meta, shop_id: 'de_2', encoding: 'ebcdic' }).expect(400);
  });

  it('re-syncs the same file without inserting anything', async () => {
    const spec = sampleSpec({ platform: 'amazon', domain: 'inventory' }, 500);
    const fileId = await uploadSample(spec);
    await syncFile(t, user.token, fileId);
    const again = await syncFile(t, user.token, fileId);
    expect(onlyFile(again)).toMatchObject({
      status: 'ingested',
      rows_total: 500,
      inserted: 0,
      updated: 0,
      unchanged: 500,
    });
    expect(await factCount({ platform: 'amazon', shopId: spec.shopId, domain: 'inventory' })).toBe(500);
  });

  it('updates exactly the rows whose content changed in a newer export', async () => {
    const spec = {
      ...sampleSpec({ platform: 'tiktok', domain: 'orders', shopId: 'tt_5001' }, 600),
      encoding: 'utf8' as const,
    };
    const meta = (await writeSample(dir.path, spec)).meta;
    const original = writeEditedCsv(dir.path, 'orders-v1.csv', spec, (rows) => rows);
    const first = await upload(t, user.token, original, meta).expect(201);
    await syncFile(t, user.token, first.body.id);

    const statusColumn = spec.template.columns.findIndex((c) => c.name === '订单状态');
    const changed = writeEditedCsv(dir.path, 'orders-v2.csv', spec, (rows) =>
      rows.map((r, i) => (i % 20 === 0 ? r.map((v, c) => (c === statusColumn ? `${v}-已更新` : v)) : r)),
    );
    const second = await upload(t, user.token, changed, meta).expect(201);
    const task = await syncFile(t, user.token, second.body.id);
    expect(onlyFile(task)).toMatchObject({ rows_total: 600, inserted: 0, updated: 30, unchanged: 570 });
    expect(await factCount({ platform: 'tiktok', shopId: 'tt_5001', domain: 'orders' })).toBe(600);
  });

  it('stores quarantined rows with row numbers and reasons, and ends the file partial', async () => {
    const spec = { ...sampleSpec({ platform: 'amazon', domain: 'inventory' }, 50), shopId: 'us_q' };
    const meta = { ...(await writeSample(dir.path, spec)).meta, shop_id: 'us_q' };
    const qtyColumn = spec.template.columns.findIndex((c) => c.type === 'integer');
    const path = writeEditedCsv(dir.path, 'with-defects.csv', spec, (rows) =>
      rows.map((r, i) => (i === 4 ? r.map((v, c) => (c === qtyColumn ? 'lots' : v)) : i === 9 ? r.slice(0, 3) : r)),
    );
    const res = await upload(t, user.token, path, meta).expect(201);
    const task = await syncFile(t, user.token, res.body.id);
    expect(task.status).toBe('completed');
    expect(onlyFile(task)).toMatchObject({ status: 'partial', rows_total: 50, inserted: 48, quarantined: 2 });
    const quarantined = await t.db.rows<{ row_number: number; reason: string }>(quarantineOf(res.body.id as number));
    expect(quarantined).toEqual([
      { row_number: 6, reason: `${spec.template.columns[qtyColumn].name}: not a number: "lots"` },
      { row_number: 11, reason: `expected ${spec.template.columns.length} columns, found 3` },
    ]);
  });

  it('quarantines just the row holding a character PostgreSQL cannot store (CSV NUL byte, XLSX &#0;)', async () => {
    await expectUnstorableRowsQuarantined(t, user.token, dir.path, 'us_nul');
  });

  it('fails a header-changed file at once, naming added and removed columns, without retrying', async () => {
    const spec = sampleSpec({ platform: 'amazon', domain: 'inventory' }, 20);
    const meta = { ...(await writeSample(dir.path, spec)).meta, shop_id: 'us_h' };
    const header = spec.template.columns.map((c) => c.name);
    const renamed = header.map((h, i) => (i === 1 ? '新列' : h));
    const path = join(dir.path, 'header-changed.csv');
    writeFileSync(path, `${renamed.join(',')}\r\n${header.map(() => 'x').join(',')}\r\n`);
    const res = await upload(t, user.token, path, meta).expect(201);
    const task = await syncFile(t, user.token, res.body.id);
    expect(task).toMatchObject({ status: 'failed', attempts: 1, error_code: 'FILES_FAILED' });
    expect(task.error).toContain(`added: 新列; removed: ${header[1]}`);
    expect(onlyFile(task)).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('headers differ from the template'),
    });
    const files = await t
      .http()
      .get(`/api/data-sync/files?shop_id=us_h`)
      .set('authorization', `Bearer ${user.token}`)
      .expect(200);
    expect(files.body.items[0]).toMatchObject({ status: 'failed', last_error: expect.stringContaining('added: 新列') });
  });

  it('fails a truncated XLSX (valid signature, broken archive) at once without retrying', async () => {
    const spec = {
      ...sampleSpec({ platform: 'shopee', domain: 'products', format: 'xlsx' }, 400),
      shopId: 'sg_broken',
    };
    const { path, meta } = await writeSample(dir.path, spec);
    const bytes = readFileSync(path);
    const truncated = join(dir.path, 'truncated.xlsx');
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const res = await upload(t, user.token, truncated, meta).expect(201);
    const task = await syncFile(t, user.token, res.body.id);
    expect(task).toMatchObject({ status: 'failed', attempts: 1, error_code: 'FILES_FAILED' });
    expect(onlyFile(task)).toMatchObject({ status: 'failed', error: expect.stringMatching(/unreadable XLSX/) });
  });

  it('retries a transient database error (lock timeout) and then completes', async () => {
    const spec = sampleSpec({ platform: 'shopee', domain: 'products' }, 300);
    const fileId = await uploadSample(spec);
    const blocker = await lockFactRows(t.config.db.url as string);
    try {
      const submitted = await t
        .http()
        .post('/api/data-sync/single')
        .set('authorization', `Bearer ${user.token}`)
        .send({ file_id: fileId })
        .expect(202);
      // The worker's batch waits on the lock and hits lock_timeout (a transient error);
      // the lock goes once a second attempt has started.
      await waitUntilAttempt(t, submitted.body.task_id as string, 2);
      await blocker.release();
      const task = await waitForTask(t, user.token, submitted.body.task_id as string);
      expect(task.status).toBe('completed');
      expect(task.attempts).toBeGreaterThanOrEqual(2);
      expect(onlyFile(task)).toMatchObject({ status: 'ingested', inserted: 300 });
    } finally {
      await blocker.close();
    }
  });

  it('retries a batch task whose shared commit failed: no file done without its rows, each row written once', async () => {
    const shops = ['sg_ahead1', 'sg_ahead2', 'sg_ahead3'];
    const fileIds: number[] = [];
    for (const [i, shopId] of shops.entries()) {
      // 211, 212 and 213 rows under a batch of 250: the files share commits (211 + 39, 173 + 77, 136).
      const spec = { ...sampleSpec({ platform: 'shopee', domain: 'orders', format: 'csv' }, 211 + i), shopId };
      const { path, meta } = await writeSample(dir.path, spec);
      fileIds.push((await upload(t, user.token, path, { ...meta, shop_id: shopId }).expect(201)).body.id as number);
    }
    const fileRow = async (id: number) =>
      (
        await t.db.rows<{ status: string; checkpoint_row: number; rows_total: number }>(
          sql`select status, checkpoint_row, rows_total from catalog_files where id = ${id}`,
        )
      )[0];
    const blocker = await lockFactRows(t.config.db.url as string);
    try {
      const taskId = await submitFiles(t, user.token, fileIds);
      // The first commit (the first file's rows and end, the second file's first rows) waits on the lock, then
      // times out (a transient error): the second file was claimed for it, and keeps its claim for the retry.
      await waitFor(
        () => fileRow(fileIds[1]),
        (row) => row.status === 'processing',
        { intervalMs: 10, what: 'second file claimed for the first commit' },
      );
      await waitUntilAttempt(t, taskId, 2);
      // Rolled back as a whole: the first file is not done without its rows, nor the second checkpointed.
      expect(await fileRow(fileIds[0])).toMatchObject({ status: 'processing', checkpoint_row: 0, rows_total: 0 });
      expect(await fileRow(fileIds[1])).toMatchObject({ status: 'processing', checkpoint_row: 0, rows_total: 0 });
      // Counted through the blocker, which holds the lock on fact_rows.
      const inLock = await blocker.client.query<{ n: number }>(
        "select count(*)::int as n from fact_rows where platform = 'shopee' and shop_id like 'sg_ahead%'",
      );
      expect(inLock.rows).toEqual([{ n: 0 }]);
      const [{ results }] = await t.db.rows<{ results: Record<string, unknown> }>(
        sql`select results from sync_tasks where id = ${taskId}`,
      );
      expect(results).toEqual({});
      await blocker.release();
      const task = await waitForTask(t, user.token, taskId);
      expect(task).toMatchObject({ status: 'completed', error: null });
      expect(task.attempts).toBeGreaterThanOrEqual(2);
      expect(task.files.map((f) => [f.file_id, f.status, f.rows_total, f.inserted, f.unchanged])).toEqual(
        fileIds.map((id, i) => [id, 'ingested', 211 + i, 211 + i, 0]),
      );
      for (const [i, shopId] of shops.entries()) {
        expect(await factCount({ platform: 'shopee', shopId, domain: 'orders' })).toBe(211 + i);
      }
    } finally {
      await blocker.close();
    }
  });

  it('keeps each file exact when files of a batch share commits: one with defects, one failing, one empty', async () => {
    const inventory = (rows: number, shopId: string) => ({
      ...sampleSpec({ platform: 'amazon', domain: 'inventory' }, rows),
      shopId,
    });
    const good = inventory(120, 'us_mix1');
    const goodId = await uploadUnder(good, 'us_mix1');
    const defects = inventory(90, 'us_mix2');
    const qty = defects.template.columns.findIndex((c) => c.type === 'integer');
    const defectsPath = writeEditedCsv(dir.path, 'mix-defects.csv', defects, (rows) =>
      rows.map((r, i) => (i === 7 ? r.map((v, c) => (c === qty ? 'lots' : v)) : r)),
    );
    const defectsId = await uploadUnder(defects, 'us_mix2', defectsPath);
    const header = good.template.columns.map((c) => c.name);
    const changedPath = join(dir.path, 'mix-header-changed.csv');
    writeFileSync(
      changedPath,
      `${header.map((h, i) => (i === 0 ? '改名' : h)).join(',')}\r\n${header.map(() => 'x').join(',')}\r\n`,
    );
    const changedId = await uploadUnder(inventory(3, 'us_mix3'), 'us_mix3', changedPath);
    const emptyPath = join(dir.path, 'mix-empty.csv');
    writeFileSync(emptyPath, `${header.join(',')}\r\n`);
    const emptyId = await uploadUnder(inventory(4, 'us_mix4'), 'us_mix4', emptyPath);
    const last = inventory(200, 'us_mix5');
    const lastId = await uploadUnder(last, 'us_mix5');

    const ids = [goodId, defectsId, changedId, emptyId, lastId];
    const task = await syncFiles(t, user.token, ids);
    expect(task).toMatchObject({ status: 'completed', attempts: 1, progress: { files_done: 5, rows_done: 410 } });
    expect(task.files.map((f) => [f.file_id, f.status, f.rows_total, f.inserted, f.quarantined])).toEqual([
      [goodId, 'ingested', 120, 120, 0],
      [defectsId, 'partial', 90, 89, 1],
      [changedId, 'failed', 0, 0, 0],
      [emptyId, 'ingested', 0, 0, 0],
      [lastId, 'ingested', 200, 200, 0],
    ]);
    expect(await t.db.rows<{ row_number: number }>(quarantineOf(defectsId))).toMatchObject([{ row_number: 9 }]);
    const counts = await t.db.rows<{ shop_id: string; n: number }>(
      sql`select shop_id, count(*)::int as n from fact_rows where platform = 'amazon' and shop_id like 'us_mix%'
          group by shop_id order by shop_id`,
    );
    expect(counts).toEqual([
      { shop_id: 'us_mix1', n: 120 },
      { shop_id: 'us_mix2', n: 89 },
      { shop_id: 'us_mix5', n: 200 },
    ]);
    const files = await t.db.rows<{ id: number; status: string; lease_owner: string | null; rows_total: number }>(
      sql`select id, status, lease_owner, rows_total from catalog_files where id = any(${sql.param(ids)}::int[]) order by id`,
    );
    expect(files.every((f) => f.lease_owner === null && f.status !== 'processing')).toBe(true);
  });

  it('counts each file exactly when two files of one shop, sharing a commit, hold the same rows', async () => {
    const spec = {
      ...sampleSpec({ platform: 'tiktok', domain: 'orders', shopId: 'tt_5002' }, 150),
      encoding: 'utf8' as const,
    };
    const meta = (await writeSample(dir.path, spec)).meta;
    const statusColumn = spec.template.columns.findIndex((c) => c.name === '订单状态');
    const v1 = writeEditedCsv(dir.path, 'shared-v1.csv', spec, (rows) => rows);
    const v2 = writeEditedCsv(dir.path, 'shared-v2.csv', spec, (rows) =>
      rows.map((r, i) => (i % 15 === 0 ? r.map((v, c) => (c === statusColumn ? `${v}-已更新` : v)) : r)),
    );
    // 150 + the first 100 rows of the second file make one commit (batch 250) whose files share keys.
    const ids: number[] = [];
    for (const path of [v1, v2]) ids.push((await upload(t, user.token, path, meta).expect(201)).body.id as number);
    const task = await syncFiles(t, user.token, ids);
    expect(task).toMatchObject({ status: 'completed', attempts: 1 });
    expect(task.files.map((f) => [f.rows_total, f.inserted, f.updated, f.unchanged])).toEqual([
      [150, 150, 0, 0],
      [150, 0, 10, 140],
    ]);
    expect(await factCount({ platform: 'tiktok', shopId: 'tt_5002', domain: 'orders' })).toBe(150);
  });

  it('retries a task whose file lease is taken mid-file, then completes it without writing a row twice', async () => {
    const spec = { ...sampleSpec({ platform: 'shopee', domain: 'orders', format: 'csv' }, 20_000), shopId: 'sg_lease' };
    const { path, meta } = await writeSample(dir.path, spec);
    const fileId = (await upload(t, user.token, path, { ...meta, shop_id: 'sg_lease' }).expect(201)).body.id as number;
    const submitted = await t
      .http()
      .post('/api/data-sync/single')
      .set('authorization', `Bearer ${user.token}`)
      .send({ file_id: fileId })
      .expect(202);
    // Once a batch has committed, another task takes the file for 1.5 s (as after an expired lease): the
    // worker's next batch finds the lease gone, rolls back, and the task retries.
    const committedBeforeSteal = await stealLeaseMidFile(t, fileId, 1_500);
    const task = await waitForTask(t, user.token, submitted.body.task_id as string);
    expect(task).toMatchObject({ status: 'completed', error: null, error_code: null });
    expect(task.attempts).toBeGreaterThanOrEqual(2);
    // The retry claims the file afresh: rows committed before the steal are found unchanged, the rest inserted.
    expect(onlyFile(task)).toMatchObject({
      status: 'ingested',
      rows_total: 20_000,
      unchanged: committedBeforeSteal,
      inserted: 20_000 - committedBeforeSteal,
    });
    expect(await factCount({ platform: 'shopee', shopId: 'sg_lease', domain: 'orders' })).toBe(20_000);
  });

  it('hands back on cancel every file of a batch task it claimed, those claimed ahead of their turn too', async () => {
    const spec = (rows: number, shopId: string) => ({
      ...sampleSpec({ platform: 'shopee', domain: 'orders', format: 'csv' }, rows),
      shopId,
    });
    const ids = [
      await uploadUnder(spec(30_000, 'sg_cancel0'), 'sg_cancel0'),
      await uploadUnder(spec(60, 'sg_cancel1'), 'sg_cancel1'),
      await uploadUnder(spec(61, 'sg_cancel2'), 'sg_cancel2'),
    ];
    const files = () =>
      t.db.rows<{ status: string; ingest_task_id: string | null; lease_owner: string | null; checkpoint_row: number }>(
        sql`select status, ingest_task_id, lease_owner, checkpoint_row from catalog_files
             where id = any(${sql.param(ids)}::int[]) order by id`,
      );
    const taskId = await submitFiles(t, user.token, ids);
    await waitFor(files, (rows) => rows[0].checkpoint_row >= 500, { intervalMs: 10, what: 'two batches committed' });
    // The small files were claimed with the first one: held by the task, nothing of theirs read yet.
    expect((await files()).slice(1)).toEqual(
      [1, 2].map(() => ({
        status: 'processing',
        ingest_task_id: taskId,
        lease_owner: expect.any(String),
        checkpoint_row: 0,
      })),
    );

    expect((await cancelTask(t, user.token, taskId)).error_code).toBe('CANCELLED');
    await waitFor(files, (rows) => rows.every((f) => f.status === 'pending' && f.lease_owner === null), {
      timeoutMs: 20_000,
      intervalMs: 20,
      what: 'every file handed back',
    });
    expect(await factCount({ platform: 'shopee', shopId: 'sg_cancel1', domain: 'orders' })).toBe(0);
    expect(await factCount({ platform: 'shopee', shopId: 'sg_cancel2', domain: 'orders' })).toBe(0);
  });

  it('hands back the files claimed ahead when a file of the task is busy elsewhere, and ends once it is free', async () => {
    const spec = (rows: number, shopId: string) => ({
      ...sampleSpec({ platform: 'shopee', domain: 'orders', format: 'csv' }, rows),
      shopId,
    });
    const shops = ['sg_busy0', 'sg_busy1', 'sg_busy2'];
    const ids: number[] = [];
    for (const [i, shopId] of shops.entries()) ids.push(await uploadUnder(spec(40 + i, shopId), shopId));
    const [, held, after] = ids;
    // Another task holds the middle file under a live lease.
    await t.db.rows(
      sql`update catalog_files set status = 'processing', ingest_task_id = gen_random_uuid(), lease_owner = 'other',
                 lease_expires_at = now() + interval '1 hour' where id = ${held}`,
    );
    const taskId = await submitFiles(t, user.token, ids);
    const statusOf = async (id: number) =>
      (
        await t.db.rows<{ status: string; lease_owner: string | null }>(
          sql`select status, lease_owner from catalog_files where id = ${id}`,
        )
      )[0];
    // Queued by the submission, claimed with the first file, then handed back when the held file turned out busy
    // (not kept while the task waits for the other one).
    await waitFor(
      () => statusOf(after),
      (row) => row.status === 'pending' && row.lease_owner === null,
      { intervalMs: 5, what: 'the file after the busy one handed back' },
    );
    await t.db.rows(
      sql`update catalog_files set status = 'pending', ingest_task_id = null, lease_owner = null, lease_expires_at = null
           where id = ${held}`,
    );
    const task = await waitForTask(t, user.token, taskId);
    expect(task).toMatchObject({ status: 'completed', error: null });
    expect(task.files.map((f) => [f.file_id, f.status, f.rows_total, f.inserted])).toEqual(
      ids.map((id, i) => [id, 'ingested', 40 + i, 40 + i]),
    );
  });

  it('shows a normal user catalog files without server paths or leases; admins see those explicitly', async () => {
    const spec = { ...sampleSpec({ platform: 'amazon', domain: 'inventory' }, 12), shopId: 'us_keys' };
    const { path, meta } = await writeSample(dir.path, spec);
    const uploaded = await upload(t, user.token, path, { ...meta, shop_id: 'us_keys' }).expect(201);
    const auth = { authorization: `Bearer ${user.token}` };
    const listed = await t.http().get('/api/data-sync/files?shop_id=us_keys').set(auth).expect(200);
    const one = await t.http().get(`/api/data-sync/files/${uploaded.body.id}`).set(auth).expect(200);
    for (const item of [uploaded.body, listed.body.items[0], one.body]) {
      expect(Object.keys(item as object).sort()).toEqual(CATALOG_FILE_KEYS);
    }
    expect(one.body).toMatchObject({
      file_name: expect.stringMatching(/\.csv$/),
      shop_id: 'us_keys',
      status: 'pending',
    });

    await t.http().get(`/api/data-sync/files/${uploaded.body.id}/storage`).set(auth).expect(403);
    const admin = await t.login('admin');
    const storage = await t
      .http()
      .get(`/api/data-sync/files/${uploaded.body.id}/storage`)
      .set('authorization', `Bearer ${admin.token}`)
      .expect(200);
    expect(storage.body).toMatchObject({ id: uploaded.body.id, path: expect.stringContaining(t.config.app.dataDir) });
    expect(Object.keys(storage.body as object).sort()).toEqual(
      ['checkpoint_row', 'id', 'ingest_task_id', 'lease_expires_at', 'lease_owner', 'path', 'uploaded_by'].sort(),
    );
  });

  it('rejects content that is neither CSV nor XLSX with 415, whatever its name', async () => {
    const path = join(dir.path, 'image.csv');
    writeFileSync(path, Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
    const res = await upload(t, user.token, path, {
      platform: 'shopee',
      shop_id: 'x',
      data_domain: 'orders',
      granularity: 'daily',
    }).expect(415);
    expect(res.body).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('answers the same bytes uploaded twice with 409 naming the existing file', async () => {
    const spec = sampleSpec({ platform: 'amazon', domain: 'inventory' }, 10);
    const { path, meta } = await writeSample(dir.path, { ...spec, shopId: 'us_dup' });
    const first = await upload(t, user.token, path, { ...meta, shop_id: 'us_dup' }).expect(201);
    const again = await upload(t, user.token, path, { ...meta, shop_id: 'us_dup' }).expect(409);
    expect(again.body).toMatchObject({ code: 'DUPLICATE', details: { existing_file_id: first.body.id } });
  });

  it('validates upload metadata with per-field details', async () => {
    const spec = sampleSpec({ platform: 'amazon', domain: 'inventory' }, 5);
    const { path } = await writeSample(dir.path, { ...spec, shopId: 'us_meta' });
    const res = await upload(t, user.token, path, { platform: 'Amazon!', data_domain: 'weather' }).expect(400);
    const fields = (res.body.details as { field: string }[]).map((d) => d.field).sort();
    expect(fields).toEqual(['data_domain', 'granularity', 'platform', 'shop_id']);
  });

  it('answers an unknown file id with 404 and a malformed task id with 400', async () => {
    await t
      .http()
      .post('/api/data-sync/single')
      .set('authorization', `Bearer ${user.token}`)
      .send({ file_id: 999_999 })
      .expect(404);
    await t
      .http()
      .post('/api/data-sync/single')
      .set('authorization', `Bearer ${user.token}`)
      .send({ file_id: 1, priority: 11 })
      .expect(400);
    await t
      .http()
      .get('/api/data-sync/task-status/not-a-uuid')
      .set('authorization', `Bearer ${user.token}`)
      .expect(400);
    await t
      .http()
      .get('/api/data-sync/task-status/6f1c3a52-9d4e-4f7a-8b2c-1d2e3f4a5b6c')
      .set('authorization', `Bearer ${user.token}`)
      .expect(404);
  });
});

async function waitUntilAttempt(t: TestApp, taskId: string, attempt: number): Promise<void> {
  await waitFor(
    async () => (await t.db.rows<{ attempts: number }>(taskAttempts(taskId)))[0]?.attempts ?? 0,
    (attempts) => attempts >= attempt,
    { timeoutMs: 20_000, what: `task ${taskId} attempt ${attempt}` },
  );
}

/**
 * Takes the file's lease for another task as soon as its ingest has committed a batch; returns the rows
 * committed by then (a batch commits its rows, the file's counters and its checkpoint together).
 */
async function stealLeaseMidFile(t: TestApp, fileId: number, leaseMs: number): Promise<number> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const [stolen] = await t.db.rows<{ rows_total: number }>(
      sql`update catalog_files
          set ingest_task_id = gen_random_uuid(), lease_owner = 'thief',
              lease_expires_at = now() + ${`${leaseMs} milliseconds`}::interval
          where id = ${fileId} and status = 'processing' and checkpoint_row > 0
          returning rows_total`,
    );
    if (stolen) return stolen.rows_total;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`file ${fileId} never had a committed batch to steal the lease after`);
}

describe('ingest on the embedded database (e2e, PGlite + Redis, worker in process)', () => {
  const dir = tempDir('ds-ingest-lite-');
  let t: TestApp;
  let user: Session;

  beforeAll(async () => {
    t = await createTestApp({ driver: 'pglite', withWorker: true, env: { INGEST_BATCH_ROWS: '250' } });
    await installSampleTemplates(t);
    user = await t.login('normal');
  });
  afterAll(async () => {
    await t?.close();
    dir.remove();
  });

  it('COPYs CSV and XLSX rows in with exact counts, and a re-sync inserts nothing', async () => {
    const csv = sampleSpec({ platform: 'shopee', domain: 'orders', format: 'csv' }, 600);
    const csvSample = await writeSample(dir.path, csv);
    const csvId = (await upload(t, user.token, csvSample.path, csvSample.meta).expect(201)).body.id as number;
    const first = await syncFile(t, user.token, csvId);
    expect(first.files[0]).toMatchObject({ status: 'ingested', rows_total: 600, inserted: 600, quarantined: 0 });

    const xlsx = sampleSpec({ platform: 'tiktok', domain: 'analytics', format: 'xlsx' }, 300);
    const xlsxSample = await writeSample(dir.path, xlsx);
    const xlsxId = (await upload(t, user.token, xlsxSample.path, xlsxSample.meta).expect(201)).body.id as number;
    const second = await syncFile(t, user.token, xlsxId);
    expect(second.files[0]).toMatchObject({ status: 'ingested', rows_total: 300, inserted: 300 });

    const again = await syncFile(t, user.token, csvId);
    expect(again.files[0]).toMatchObject({ rows_total: 600, inserted: 0, updated: 0, unchanged: 600 });
    expect((await t.db.rows<{ n: number }>(sqlCount('shopee', csv.shopId, 'orders')))[0].n).toBe(600);
    expect((await t.db.rows<{ n: number }>(sqlCount('tiktok', xlsx.shopId, 'analytics')))[0].n).toBe(300);
  });

  it('quarantines just the row holding a character PostgreSQL cannot store (CSV NUL byte, XLSX &#0;)', async () => {
    await expectUnstorableRowsQuarantined(t, user.token, dir.path, 'us_nul_lite');
  });

  it('stops an active task at a batch boundary and hands its file back (one connection: no query waits on itself)', async () => {
    const rows = 40_000;
    const spec = sampleSpec({ platform: 'tiktok', domain: 'orders', format: 'csv' }, rows);
    const sample = await writeSample(dir.path, spec);
    const fileId = (await upload(t, user.token, sample.path, sample.meta).expect(201)).body.id as number;
    const taskId = (
      await t
        .http()
        .post('/api/data-sync/single')
        .set('authorization', `Bearer ${user.token}`)
        .send({ file_id: fileId })
        .expect(202)
    ).body.task_id as string;
    const fileRow = async () =>
      (
        await t.db.rows<{ status: string; checkpoint_row: number; lease_owner: string | null }>(
          sql`select status, checkpoint_row, lease_owner from catalog_files where id = ${fileId}`,
        )
      )[0];
    await waitFor(fileRow, (row) => row.checkpoint_row >= 500, { intervalMs: 10, what: 'two batches committed' });

    expect((await cancelTask(t, user.token, taskId)).error_code).toBe('CANCELLED');
    await waitFor(fileRow, (row) => row.status === 'pending' && row.lease_owner === null, {
      timeoutMs: 20_000,
      intervalMs: 20,
      what: 'file handed back',
    });
    const written = (await t.db.rows<{ n: number }>(sqlCount('tiktok', spec.shopId, 'orders')))[0].n;
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(rows);
  });
});

/**
 * A CSV with a NUL byte in one field and an XLSX with `&#0;` in one cell and `&#xD83D;` (an unpaired
 * surrogate) in another: each file ingests, exactly those rows quarantined with the reason, stored with
 * U+FFFD in place of the character.
 */
async function expectUnstorableRowsQuarantined(t: TestApp, token: string, dir: string, shopId: string): Promise<void> {
  await expectXlsxRowsQuarantined(t, token, dir, shopId);
  await expectCsvRowQuarantined(t, token, dir, shopId);
}

async function expectCsvRowQuarantined(t: TestApp, token: string, dir: string, shopId: string): Promise<void> {
  const spec = { ...sampleSpec({ platform: 'amazon', domain: 'inventory' }, 30), shopId };
  const meta = { ...(await writeSample(dir, spec)).meta, shop_id: shopId };
  const nameColumn = spec.template.columns.findIndex((c) => c.name === '商品名称');
  const csv = writeEditedCsv(dir, `nul-${shopId}.csv`, spec, (rows) =>
    rows.map((r, i) => (i === 6 ? r.map((v, c) => (c === nameColumn ? `${v}\0tail` : v)) : r)),
  );
  expect(readFileSync(csv).indexOf(0)).toBeGreaterThan(0);
  const id = (await upload(t, token, csv, meta).expect(201)).body.id as number;
  const task = await syncFile(t, token, id);
  expect(task).toMatchObject({ status: 'completed', attempts: 1, error: null });
  expect(task.files[0]).toMatchObject({ status: 'partial', rows_total: 30, inserted: 29, quarantined: 1 });
  const [row] = await t.db.rows<{ row_number: number; reason: string; raw: Record<string, string> }>(
    quarantineWithRawOf(id),
  );
  expect(row).toMatchObject({ row_number: 8, reason: '商品名称: contains a NUL character (U+0000)' });
  expect(row.raw['商品名称']).toMatch(/\ufffdtail$/);
}

async function expectXlsxRowsQuarantined(t: TestApp, token: string, dir: string, shopId: string): Promise<void> {
  const path = join(dir, `nul-${shopId}.xlsx`);
  const cell = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;
  const rows = [
    ['order_id', 'note'],
    ['L1', 'fine'],
    ['L2', 'nul&#0;here'],
    ['L3', 'half &#xD83D; emoji'],
    ['L4', 'whole &#x1F600; emoji'],
  ].map((values, i) => `<row r="${i + 1}">${values.map((v, c) => cell(`${'AB'[c]}${i + 1}`, v)).join('')}</row>`);
  writeZip(path, workbookParts([sheetXml(rows.join(''))]));
  const meta = { platform: 'lazada', shop_id: shopId, data_domain: 'orders', granularity: 'daily' };
  const id = (await upload(t, token, path, meta).expect(201)).body.id as number;
  const task = await syncFile(t, token, id);
  expect(task).toMatchObject({ status: 'completed', attempts: 1, error: null });
  expect(task.files[0]).toMatchObject({ status: 'partial', rows_total: 4, inserted: 2, quarantined: 2 });
  expect(await t.db.rows(quarantineWithRawOf(id))).toEqual([
    {
      row_number: 3,
      reason: 'note: contains a NUL character (U+0000)',
      raw: { order_id: 'L2', note: 'nul\ufffdhere' },
    },
    {
      row_number: 4,
      reason: 'note: contains an unpaired surrogate (U+D83D)',
      raw: { order_id: 'L3', note: 'half \ufffd emoji' },
    },
  ]);
  const stored = await t.db.rows<{ raw: Record<string, string> }>(
    sql`select raw from fact_rows where file_id = ${id} order by raw->>'order_id'`,
  );
  expect(stored.map((r) => r.raw)).toEqual([
    { order_id: 'L1', note: 'fine' },
    { order_id: 'L4', note: 'whole 😀 emoji' },
  ]);
}

/** Every field a user sees of a catalog file: nothing of the server's disk, leases or checkpoints. */
const CATALOG_FILE_KEYS = [
  'data_domain',
  'file_name',
  'format',
  'granularity',
  'id',
  'ingested_at',
  'last_error',
  'period_end',
  'period_start',
  'platform',
  'registered_at',
  'rows_duplicate',
  'rows_ingested',
  'rows_inserted',
  'rows_quarantined',
  'rows_total',
  'rows_unchanged',
  'rows_updated',
  'sha256',
  'shop_id',
  'size_bytes',
  'status',
  'sub_domain',
  'text_encoding',
].sort();

const sqlCount = (platform: string, shopId: string, domain: string) =>
  sql`select count(*)::int as n from fact_rows where platform = ${platform} and shop_id = ${shopId} and data_domain = ${domain}`;
const rawOf = (platform: string) => sql`select raw from fact_rows where platform = ${platform} limit 1`;
const quarantineOf = (fileId: number) =>
  sql`select row_number, reason from quarantined_rows where file_id = ${fileId} order by row_number`;
const quarantineWithRawOf = (fileId: number) =>
  sql`select row_number, reason, raw from quarantined_rows where file_id = ${fileId} order by row_number`;
const taskAttempts = (taskId: string) => sql`select attempts from sync_tasks where id = ${taskId}`;
