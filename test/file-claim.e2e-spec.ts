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
