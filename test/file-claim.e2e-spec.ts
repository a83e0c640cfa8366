import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { catalogFiles, DbHandle, quarantinedRows, syncTasks, users } from '@app/db';
import { openPglite } from '@app/db/pglite';
import { openPostgres } from '@app/db/postgres';
import { CatalogFile, CatalogRepository, toFileResult } from '@app/sync-tasks';
import { copyMigratedPglite } from './support/database-templates';
import { createTestDatabase, drivers, tempDir } from './support/test-env';

const LEASE_MS = 60_000;

/**
 * The per-file statements of an ingest, on the real databases: the claim (with the task's state and the
 * quarantine of earlier runs) and the finish (with the task's per-file result).
 */
describe.each(['postgres', 'pglite'] as const)('claiming and finishing a file (%s)', (driver) => {
  let handle: DbHandle;
  let cleanup: () => Promise<void>;
  let catalog: CatalogRepository;
  let userId: number;
  let seq = 0;

  beforeAll(async () => {
    if (!(await drivers()).includes(driver)) throw new Error(`${driver} is not available`);
    if (driver === 'postgres') {
      const created = await createTestDatabase();
      handle = openPostgres({ url: created.url as string, poolMax: 4, lockTimeoutMs: 0, statementTimeoutMs: 0 });
      cleanup = () => created.drop();
    } else {
      const dir = tempDir('ds-claim-');
      await copyMigratedPglite(join(dir.path, 'pg'));
      handle = await openPglite(join(dir.path, 'pg'));
      cleanup = () => Promise.resolve(dir.remove());
    }
    catalog = new CatalogRepository(handle);
    const [user] = await handle.db
      .insert(users)
      .values({ username: `claim-${driver}`, passwordHash: 'x', role: 'normal' })
      .returning({ id: users.id });
    userId = user.id;
  });

  afterAll(async () => {
    await handle?.close();
    await cleanup?.();
  });

  async function task(status: 'active' | 'cancelled' | 'completed' = 'active'): Promise<string> {
    const id = randomUUID();
    await handle.db.insert(syncTasks).values({ id, userId, kind: 'batch', fileIds: [], status });
    return id;
  }

  async function file(over: Partial<CatalogFile> = {}): Promise<CatalogFile> {
    const n = ++seq;
    const [row] = await handle.db
      .insert(catalogFiles)
      .values({
        path: `/data/${driver}-${n}.csv`,
        fileName: `${driver}-${n}.csv`,
        platform: 'shopee',
        shopId: `s${n}`,
        dataDomain: 'orders',
        granularity: 'daily',
        sha256: `${driver}-${String(n).padStart(8, '0')}`.padEnd(64, '0'),
        sizeBytes: 100,
        format: 'csv',
        ...over,
      })
      .returning();
    return row;
  }

  async function quarantine(fileId: number, taskId: string | null, rows: number): Promise<void> {
    for (let n = 1; n <= rows; n++) {
      await handle.db.insert(quarantinedRows).values({ fileId, taskId, rowNumber: n, reason: 'bad', raw: {} });
    }
  }

  const quarantined = async (fileId: number) =>
    (await handle.db.select().from(quarantinedRows).where(eq(quarantinedRows.fileId, fileId))).length;
  const row = async (fileId: number) =>
    (await handle.db.select().from(catalogFiles).where(eq(catalogFiles.id, fileId)))[0];
  const resultsOf = async (taskId: string) =>
    (await handle.db.select({ results: syncTasks.results }).from(syncTasks).where(eq(syncTasks.id, taskId)))[0].results;

  /** A file some task is processing (or was), with counters and a checkpoint. */
  const inProgress = (holder: string, leaseExpiresAt: Date): Partial<CatalogFile> => ({
    status: 'processing',
    ingestTaskId: holder,
    leaseOwner: 'host:1',
    leaseExpiresAt,
    checkpointRow: 40,
    rowsTotal: 39,
    rowsInserted: 30,
    rowsUpdated: 5,
    rowsUnchanged: 2,
    rowsQuarantined: 2,
  });

  it('claims a pending file afresh: counters restart and the quarantine of earlier runs goes', async () => {
    const taskId = await task();
    const f = await file({ status: 'partial', rowsTotal: 9, rowsInserted: 8, rowsQuarantined: 1, checkpointRow: 10 });
    await quarantine(f.id, randomUUID(), 1);
    const other = await file();
    await quarantine(other.id, null, 2);

    const claim = await catalog.claim(f.id, taskId, 'host:7', LEASE_MS);

    expect(claim).toMatchObject({ outcome: 'claimed', resumed: false });
    if (claim.outcome !== 'claimed') return;
    expect(claim.file).toMatchObject({
      id: f.id,
      status: 'processing',
      ingestTaskId: taskId,
      leaseOwner: 'host:7',
      checkpointRow: 0,
      rowsTotal: 0,
      rowsInserted: 0,
      rowsQuarantined: 0,
      lastError: null,
    });
    expect(claim.file.leaseExpiresAt?.getTime()).toBeGreaterThan(Date.now() + LEASE_MS / 2);
    expect(claim.file).toEqual(await row(f.id));
    expect(await quarantined(f.id)).toBe(0);
    expect(await quarantined(other.id)).toBe(2); // only this file's
  });

  it("resumes the same task's file after its checkpoint, keeping its counters and quarantine", async () => {
    const taskId = await task();
    const f = await file(inProgress(taskId, new Date(Date.now() + 5_000)));
    await quarantine(f.id, taskId, 2);

    const claim = await catalog.claim(f.id, taskId, 'host:8', LEASE_MS);

    expect(claim).toMatchObject({
      outcome: 'claimed',
      resumed: true,
      file: { checkpointRow: 40, rowsTotal: 39, rowsInserted: 30, rowsQuarantined: 2, leaseOwner: 'host:8' },
    });
    expect(await quarantined(f.id)).toBe(2);
  });

  it('answers busy for a file another task holds under a live lease, and changes nothing', async () => {
    const holder = await task();
    const f = await file(inProgress(holder, new Date(Date.now() + 30_000)));
    await quarantine(f.id, holder, 2);

    expect(await catalog.claim(f.id, await task(), 'host:9', LEASE_MS)).toEqual({ outcome: 'busy', holder });
    expect(await row(f.id)).toEqual(f);
    expect(await quarantined(f.id)).toBe(2);
  });

  it("takes over a file whose holder's lease expired, afresh", async () => {
    const f = await file(inProgress(await task(), new Date(Date.now() - 1_000)));
    await quarantine(f.id, null, 2);
    const taskId = await task();

    const claim = await catalog.claim(f.id, taskId, 'host:10', LEASE_MS);

    expect(claim).toMatchObject({
      outcome: 'claimed',
      resumed: false,
      file: { ingestTaskId: taskId, checkpointRow: 0 },
    });
    expect(await quarantined(f.id)).toBe(0);
  });

  it('lets exactly one of several tasks claiming a file at once have it', async () => {
    const f = await file();
    const tasks = await Promise.all(Array.from({ length: 8 }, () => task()));
    const claims = await Promise.all(tasks.map((t, i) => catalog.claim(f.id, t, `host:${i}`, LEASE_MS)));
    const winners = claims.flatMap((c, i) => (c.outcome === 'claimed' ? [tasks[i]] : []));
    expect(winners).toHaveLength(1);
    expect(claims.filter((c) => c.outcome === 'busy')).toEqual(
      Array.from({ length: 7 }, () => ({ outcome: 'busy', holder: winners[0] })),
    );
    expect((await row(f.id)).ingestTaskId).toBe(winners[0]);
  });

  it('claims nothing for a task that is no longer active, whatever the file', async () => {
    for (const status of ['cancelled', 'completed'] as const) {
      const f = await file();
      await quarantine(f.id, null, 1);
      expect(await catalog.claim(f.id, await task(status), 'host:11', LEASE_MS)).toEqual({ outcome: 'inactive' });
      expect(await row(f.id)).toEqual(f);
      expect(await quarantined(f.id)).toBe(1);
      expect(await catalog.claim(999_999, await task(status), 'host:11', LEASE_MS)).toEqual({ outcome: 'inactive' });
    }
  });

  it('answers missing for a file that is not in the catalog', async () => {
    expect(await catalog.claim(999_999, await task(), 'host:12', LEASE_MS)).toEqual({ outcome: 'missing' });
  });

  it('claims the next files in the same transaction while they fit in the byte budget, leaving those it may not take', async () => {
    const taskId = await task();
    const first = await file({ sizeBytes: 100 });
    const busy = await file({ ...inProgress(await task(), new Date(Date.now() + 30_000)), sizeBytes: 100 });
    const earlier = await file({ status: 'partial', rowsQuarantined: 1, checkpointRow: 9, sizeBytes: 100 });
    await quarantine(earlier.id, randomUUID(), 1);
    const own = await file({ ...inProgress(taskId, new Date(Date.now() - 1_000)), sizeBytes: 100 });
    await quarantine(own.id, taskId, 2);
    const beyond = await file({ sizeBytes: 100 });

    // 100 + 100 + 100 + 100 fit in 400 bytes (the busy file counts); the fifth file does not.
    const ids = [busy.id, earlier.id, own.id, beyond.id];
    const { claim, next } = await catalog.claimWithNext(first.id, ids, taskId, 'host:13', LEASE_MS, 400);

    expect(claim).toMatchObject({ outcome: 'claimed', resumed: false, file: { id: first.id, leaseOwner: 'host:13' } });
    expect(next.map((c) => [c.file.id, c.resumed])).toEqual([
      [earlier.id, false],
      [own.id, true],
    ]);
    expect(next[0].file).toMatchObject({ status: 'processing', ingestTaskId: taskId, checkpointRow: 0, rowsTotal: 0 });
    expect(next[1].file).toMatchObject({ checkpointRow: 40, rowsTotal: 39, rowsQuarantined: 2 });
    for (const c of next) expect(c.file).toEqual(await row(c.file.id));
    expect(await quarantined(earlier.id)).toBe(0); // a fresh claim's quarantine goes, a resumed one's stays
    expect(await quarantined(own.id)).toBe(2);
    expect(await row(busy.id)).toEqual(busy);
    expect(await row(beyond.id)).toEqual(beyond);
  });

  it('claims the next files even when the first cannot be, and says why not', async () => {
    const taskId = await task();
    const holder = await task();
    const busy = await file(inProgress(holder, new Date(Date.now() + 30_000)));
    const after = await file();

    const claimed = await catalog.claimWithNext(busy.id, [after.id], taskId, 'host:14', LEASE_MS, 1_000);
    expect(claimed.claim).toEqual({ outcome: 'busy', holder });
    expect(claimed.next.map((c) => c.file.id)).toEqual([after.id]);

    const missing = await catalog.claimWithNext(999_999, [(await file()).id], taskId, 'host:14', LEASE_MS, 1_000);
    expect(missing.claim).toEqual({ outcome: 'missing' });
    expect(missing.next).toHaveLength(1);

    const gone = await file();
    const inactive = await catalog.claimWithNext(gone.id, [], await task('cancelled'), 'host:14', LEASE_MS, 1_000);
    expect(inactive).toEqual({ claim: { outcome: 'inactive' }, next: [] });
    expect(await row(gone.id)).toEqual(gone);
  });

  it('leaves files claimed together by a crashed run to its next run, and to any task once the leases lapse', async () => {
    const taskId = await task();
    const [a, b, c] = [await file(), await file(), await file()];
    await catalog.claimWithNext(a.id, [b.id, c.id], taskId, 'host:15', LEASE_MS, 1_000);
    // The worker dies: no release. Another task is kept off every file, the same task's next run resumes them all.
    const other = await task();
    expect(await catalog.claimWithNext(b.id, [c.id], other, 'host:16', LEASE_MS, 1_000)).toEqual({
      claim: { outcome: 'busy', holder: taskId },
      next: [],
    });
    const again = await catalog.claimWithNext(a.id, [b.id, c.id], taskId, 'host:17', LEASE_MS, 1_000);
    expect([again.claim, ...again.next]).toMatchObject(
      [a, b, c].map((f) => ({ file: { id: f.id, leaseOwner: 'host:17' }, resumed: true })),
    );
    // That run dies too; once the leases lapse another task takes the files afresh.
    await handle.db
      .update(catalogFiles)
      .set({ leaseExpiresAt: new Date(Date.now() - 1_000) })
      .where(eq(catalogFiles.ingestTaskId, taskId));
    const taken = await catalog.claimWithNext(a.id, [b.id, c.id], other, 'host:16', LEASE_MS, 1_000);
    expect([taken.claim, ...taken.next]).toMatchObject(
      [a, b, c].map((f) => ({ file: { id: f.id, ingestTaskId: other }, resumed: false })),
    );
  });

  it('hands back only the files the task still holds and has not finished', async () => {
    const taskId = await task();
    const [claimedAhead, finished, lost] = [await file(), await file(), await file()];
    await catalog.claimWithNext(claimedAhead.id, [finished.id, lost.id], taskId, 'host:18', LEASE_MS, 1_000);
    await catalog.finish(finished.id, taskId, null);
    const thief = await task();
    await handle.db.update(catalogFiles).set({ ingestTaskId: thief }).where(eq(catalogFiles.id, lost.id));
    const before = { finished: await row(finished.id), lost: await row(lost.id) };

    await catalog.releaseToPending([claimedAhead.id, finished.id, lost.id], taskId);

    expect(await row(claimedAhead.id)).toMatchObject({
      status: 'pending',
      leaseOwner: null,
      leaseExpiresAt: null,
      checkpointRow: 0,
    });
    expect(await row(finished.id)).toEqual(before.finished);
    expect(await row(lost.id)).toEqual(before.lost);
  });

  it("finishes a file as ingested or partial by its quarantined rows, and records its result in the task's", async () => {
    const taskId = await task();
    const earlier = { '1': { ...toFileResult(await file()), status: 'ingested' as const } };
    await handle.db.update(syncTasks).set({ results: earlier }).where(eq(syncTasks.id, taskId));
    const clean = await file(inProgress(taskId, new Date(Date.now() + 5_000)));
    await handle.db.update(catalogFiles).set({ rowsQuarantined: 0 }).where(eq(catalogFiles.id, clean.id));
    const partial = await file(inProgress(taskId, new Date(Date.now() + 5_000)));

    const a = await catalog.finish(clean.id, taskId, null);
    const b = await catalog.finish(partial.id, taskId, null);

    expect(a).toMatchObject({
      status: 'ingested',
      leaseOwner: null,
      leaseExpiresAt: null,
      lastError: null,
      rowsIngested: 35,
      rowsDuplicate: 4,
    });
    expect(a?.ingestedAt).toBeInstanceOf(Date);
    expect(b).toMatchObject({ status: 'partial', rowsIngested: 35, rowsDuplicate: 2, rowsQuarantined: 2 });
    expect(a).toEqual(await row(clean.id));
    expect(await resultsOf(taskId)).toEqual({
      ...earlier,
      [String(clean.id)]: toFileResult(a as CatalogFile),
      [String(partial.id)]: toFileResult(b as CatalogFile),
    });
  });

  it("records a batch's counters and checkpoints for several files in one statement, only those the task holds", async () => {
    const taskId = await task();
    const live = new Date(Date.now() + 5_000);
    const [a, b] = [await file(inProgress(taskId, live)), await file(inProgress(taskId, live))];
    const lost = await file(inProgress(await task(), live));
    const counts = (n: number) => ({ rowsTotal: n, inserted: n - 3, updated: 1, unchanged: 1, quarantined: 1 });

    const recorded = await handle.db.transaction((tx) =>
      catalog.recordBatches(
        tx,
        taskId,
        [a, b, lost].map((f, i) => ({ fileId: f.id, checkpointRow: 100 + i, counts: counts(10 * (i + 1)) })),
        LEASE_MS,
      ),
    );

    expect(recorded).toEqual(new Set([a.id, b.id]));
    expect(await row(a.id)).toMatchObject({ checkpointRow: 100, rowsTotal: 49, rowsInserted: 37, rowsQuarantined: 3 });
    expect(await row(b.id)).toMatchObject({ checkpointRow: 101, rowsTotal: 59, rowsInserted: 47, rowsUpdated: 6 });
    expect((await row(a.id)).leaseExpiresAt?.getTime()).toBeGreaterThan(Date.now() + LEASE_MS / 2);
    expect(await row(lost.id)).toEqual(lost);
    const cancelled = await task('cancelled');
    await handle.db.update(catalogFiles).set({ ingestTaskId: cancelled }).where(eq(catalogFiles.id, a.id));
    const none = await handle.db.transaction((tx) =>
      catalog.recordBatches(tx, cancelled, [{ fileId: a.id, checkpointRow: 200, counts: counts(1) }], LEASE_MS),
    );
    expect(none.size).toBe(0); // a cancelled task commits nothing more
  });

  it('finishes several files in one statement, each by its own end, recording every result', async () => {
    const taskId = await task();
    const live = new Date(Date.now() + 5_000);
    const [done, failed] = [await file(inProgress(taskId, live)), await file(inProgress(taskId, live))];
    const lost = await file(inProgress(await task(), live));

    const finished = await catalog.finishAll(taskId, [
      { fileId: done.id, error: null },
      { fileId: failed.id, error: 'x.csv: file is gone' },
      { fileId: lost.id, error: null },
    ]);

    expect(finished.map((f) => [f.id, f.status, f.lastError]).sort()).toEqual(
      [
        [done.id, 'partial', null],
        [failed.id, 'failed', 'x.csv: file is gone'],
      ].sort(),
    );
    for (const f of finished) expect(f).toEqual(await row(f.id));
    expect(await resultsOf(taskId)).toEqual(Object.fromEntries(finished.map((f) => [String(f.id), toFileResult(f)])));
    expect(await row(lost.id)).toEqual(lost);
    const cancelled = await task('cancelled');
    const claimedBeforeCancel = await file(inProgress(cancelled, live));
    expect(
      await catalog.finishAll(cancelled, [{ fileId: claimedBeforeCancel.id, error: 'x.csv: file is gone' }]),
    ).toEqual([]);
    expect(await row(claimedBeforeCancel.id)).toEqual(claimedBeforeCancel);
  });

  it('finishes a file as failed with its error, keeping the last ingest time', async () => {
    const taskId = await task();
    const when = new Date('2026-11-30T08:00:00Z');
    const f = await file({ ...inProgress(taskId, new Date(Date.now() + 5_000)), ingestedAt: when });

    const failed = await catalog.finish(f.id, taskId, 'x.csv: headers differ from the template');

    expect(failed).toMatchObject({
      status: 'failed',
      lastError: 'x.csv: headers differ from the template',
      ingestedAt: when,
      leaseOwner: null,
    });
    expect((await resultsOf(taskId))[String(f.id)]).toEqual({
      ...toFileResult(failed as CatalogFile),
      status: 'failed',
      error: 'x.csv: headers differ from the template',
    });
  });

  it('finishes nothing, and records nothing, for a task that no longer holds the file', async () => {
    const taskId = await task();
    const f = await file(inProgress(await task(), new Date(Date.now() + 5_000)));

    expect(await catalog.finish(f.id, taskId, null)).toBeUndefined();
    expect(await row(f.id)).toEqual(f);
    expect(await resultsOf(taskId)).toEqual({});
  });

  it('keeps the file result keys in step with FileResult', async () => {
    const taskId = await task();
    const f = await file(inProgress(taskId, new Date(Date.now() + 5_000)));
    await catalog.finish(f.id, taskId, null);
    const [stored] = await handle.rows<{ keys: string[] }>(
      sql`select array(select jsonb_object_keys(results -> ${String(f.id)}) order by 1) as keys from sync_tasks where id = ${taskId}`,
    );
    expect(stored.keys).toEqual(Object.keys(toFileResult(f)).sort());
  });
});
