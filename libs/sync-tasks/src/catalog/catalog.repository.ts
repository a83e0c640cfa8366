import { Injectable } from '@nestjs/common';
import { and, asc, desc, eq, getTableColumns, inArray, sql, SQL } from 'drizzle-orm';
import {
  catalogFiles,
  DataDomain,
  DbHandle,
  FileResult,
  FileStatus,
  Granularity,
  InjectDb,
  isUniqueViolation,
  MAX_ERROR_MESSAGE,
  quarantinedRows,
  rowsOf,
  syncTasks,
  truncated,
  Tx,
} from '@app/db';
import { offsetOf, PageQuery } from '@app/common';
import type { TextEncoding } from '@app/parsing';

export type CatalogFile = typeof catalogFiles.$inferSelect;
export type NewCatalogFile = typeof catalogFiles.$inferInsert;

export interface CatalogFilter {
  status?: FileStatus;
  platform?: string;
  dataDomain?: DataDomain;
  granularity?: Granularity;
  shopId?: string;
}

export interface PendingFilter {
  platform?: string;
  domains?: DataDomain[];
  granularities?: Granularity[];
  shopId?: string;
  sinceHours?: number;
  olderThanSeconds?: number;
}

export class DuplicateFileError extends Error {
  constructor(readonly existingId: number) {
    super(`file already registered as ${existingId}`);
  }
}

/** A claimed file; `resumed` when the same task held it (its counters and checkpoint are kept). */
export interface Claimed {
  file: CatalogFile;
  resumed: boolean;
}

export type ClaimResult =
  | ({ outcome: 'claimed' } & Claimed)
  | { outcome: 'busy'; holder: string | null }
  | { outcome: 'missing' }
  /** The task is no longer active (cancelled, or finished meanwhile): nothing was claimed. */
  | { outcome: 'inactive' };

const FRESH_COUNTERS = {
  checkpointRow: 0,
  rowsTotal: 0,
  rowsInserted: 0,
  rowsUpdated: 0,
  rowsUnchanged: 0,
  rowsQuarantined: 0,
} satisfies Partial<NewCatalogFile>;

/** A file's share of a batch transaction: its last committed row and what its rows added. */
export interface FileBatch {
  fileId: number;
  checkpointRow: number;
  counts: FileCounts;
}

/** A file's end: `error` null when every row was read, else the problem that ends it. */
export interface FileEnd {
  fileId: number;
  error: string | null;
}

export interface FileCounts {
  rowsTotal: number;
  inserted: number;
  updated: number;
  unchanged: number;
  quarantined: number;
}

@Injectable()
export class CatalogRepository {
  constructor(@InjectDb() private readonly handle: DbHandle) {}

  /** Registers a file; the same bytes (sha256) twice → DuplicateFileError naming the existing id. */
  async register(values: NewCatalogFile): Promise<CatalogFile> {
    try {
      const [row] = await this.handle.db.insert(catalogFiles).values(values).returning();
      return row;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const existing = await this.findBySha256(values.sha256);
      throw new DuplicateFileError(existing?.id ?? 0);
    }
  }

  /** The CSV encoding a read used (declared or detected), so the catalog shows it. */
  async recordTextEncoding(id: number, textEncoding: TextEncoding): Promise<void> {
    await this.handle.db.update(catalogFiles).set({ textEncoding }).where(eq(catalogFiles.id, id));
  }

  async findBySha256(sha256: string): Promise<CatalogFile | undefined> {
    const [row] = await this.handle.db.select().from(catalogFiles).where(eq(catalogFiles.sha256, sha256));
    return row;
  }

  async findById(id: number): Promise<CatalogFile | undefined> {
    const [row] = await this.handle.db.select().from(catalogFiles).where(eq(catalogFiles.id, id));
    return row;
  }

  /** Names of the files that exist among `ids` (the submission path needs nothing more). */
  async fileNames(ids: number[]): Promise<Map<number, string>> {
    if (!ids.length) return new Map();
    const rows = await this.handle.rows<{ id: number; file_name: string }>(
      sql`select id, file_name from catalog_files where id = any(${sql.param(ids)}::int[])`,
    );
    return new Map(rows.map((r) => [r.id, r.file_name]));
  }

  async findByIds(ids: number[]): Promise<CatalogFile[]> {
    if (!ids.length) return [];
    return this.handle.db.select().from(catalogFiles).where(inArray(catalogFiles.id, ids));
  }

  async list(filter: CatalogFilter, page: PageQuery): Promise<{ items: CatalogFile[]; total: number }> {
    const where = this.where(filter);
    const db = this.handle.db;
    const [items, [{ total }]] = await Promise.all([
      db
        .select()
        .from(catalogFiles)
        .where(where)
        .orderBy(desc(catalogFiles.registeredAt), desc(catalogFiles.id))
        .limit(page.pageSize)
        .offset(offsetOf(page)),
      db
        .select({ total: sql<number>`count(*)::int` })
        .from(catalogFiles)
        .where(where),
    ]);
    return { items, total };
  }

  /**
   * Claims a file for one task, while that task is active. Succeeds when nobody holds the file, when the
   * lease has expired (a dead worker), or when the same task holds it (a redelivered job resuming after its
   * checkpoint). A fresh claim restarts the file's counters from zero and clears the quarantine of earlier
   * runs, in the same transaction: a crash between the two cannot leave old quarantined rows beside a
   * resumed run's.
   */
  async claim(fileId: number, taskId: string, owner: string, leaseMs: number): Promise<ClaimResult> {
    return (await this.claimWithNext(fileId, [], taskId, owner, leaseMs, 0)).claim;
  }

  /**
   * `claim`, and in the same transaction the files of `next` that may be claimed too (by the same rules; the
   * others are left as they are), in order while the files from `fileId` on hold at most `maxBytes` together:
   * a task's small files pay one claim transaction for several. One statement locks (in id order, so two
   * claims never deadlock), decides and updates; the quarantine delete runs after the locks are held, so it
   * sees every row committed before.
   */
  async claimWithNext(
    fileId: number,
    next: number[],
    taskId: string,
    owner: string,
    leaseMs: number,
    maxBytes: number,
  ): Promise<{ claim: ClaimResult; next: Claimed[] }> {
    return this.handle.db.transaction(async (tx) => {
      const ids = [fileId, ...next];
      // The files in order while they fit in maxBytes (the first one always).
      const wanted = sql`select w.id from (
          select w.id, w.ord, sum(f.size_bytes) over (order by w.ord) as upto
            from unnest(${sql.param(ids)}::int[]) with ordinality as w (id, ord)
            join catalog_files f on f.id = w.id
        ) w where w.ord = 1 or w.upto <= ${maxBytes}::bigint`;
      const old = tx
        .select({
          id: catalogFiles.id,
          status: catalogFiles.status,
          holder: catalogFiles.ingestTaskId,
          leaseLive: sql<boolean>`coalesce(${catalogFiles.leaseExpiresAt} > now(), false)`.as('lease_live'),
        })
        .from(catalogFiles)
        .where(sql`${catalogFiles.id} in (${wanted})`)
        .orderBy(catalogFiles.id)
        .for('update')
        .as('old');
      const resumed = sql<boolean>`(${old.status} = 'processing' and ${old.holder} = ${taskId})`;
      const fresh = <T>(column: T) => sql`case when ${resumed} then ${column} else 0 end`;
      const rows = await tx
        .update(catalogFiles)
        .set({
          status: 'processing',
          leaseOwner: owner,
          leaseExpiresAt: sql`now() + ${`${leaseMs} milliseconds`}::interval`,
          ingestTaskId: taskId,
          lastError: null,
          checkpointRow: fresh(catalogFiles.checkpointRow),
          rowsTotal: fresh(catalogFiles.rowsTotal),
          rowsInserted: fresh(catalogFiles.rowsInserted),
          rowsUpdated: fresh(catalogFiles.rowsUpdated),
          rowsUnchanged: fresh(catalogFiles.rowsUnchanged),
          rowsQuarantined: fresh(catalogFiles.rowsQuarantined),
        })
        .from(old)
        .where(
          and(
            eq(catalogFiles.id, old.id),
            sql`not (${old.status} = 'processing' and ${old.holder} is distinct from ${taskId} and ${old.leaseLive})`,
            taskIsActive(taskId),
          ),
        )
        .returning({ ...getTableColumns(catalogFiles), resumed });
      const claimed = new Map(rows.map(({ resumed: wasResumed, ...file }) => [file.id, { file, resumed: wasResumed }]));
      const freshIds = rows.filter((r) => !r.resumed).map((r) => r.id);
      if (freshIds.length) await tx.delete(quarantinedRows).where(inArray(quarantinedRows.fileId, freshIds));
      const first = claimed.get(fileId);
      return {
        claim: first ? { outcome: 'claimed', ...first } : await this.whyNotClaimed(tx, fileId, taskId),
        next: next.flatMap((id) => claimed.get(id) ?? []),
      };
    });
  }

  /** After a claim updated nothing: the task is no longer active, the file is gone, or another task holds it. */
  private async whyNotClaimed(tx: Tx, fileId: number, taskId: string): Promise<ClaimResult> {
    const [state] = await rowsOf<{ task_active: boolean; file_exists: boolean; holder: string | null }>(
      tx,
      sql`select ${taskIsActive(taskId)} as task_active, f.id is not null as file_exists, f.ingest_task_id as holder
            from (select 1) one left join catalog_files f on f.id = ${fileId}`,
    );
    if (!state.task_active) return { outcome: 'inactive' };
    if (!state.file_exists) return { outcome: 'missing' };
    return { outcome: 'busy', holder: state.holder };
  }

  /**
   * Inside a batch transaction, for the files with rows in it, one statement: counters, checkpoint and lease
   * renewal, only while the task is active and holds the file. Resolves with the ids it updated.
   */
  async recordBatches(tx: Tx, taskId: string, batches: FileBatch[], leaseMs: number): Promise<Set<number>> {
    if (!batches.length) return new Set();
    const values = batches.map(({ fileId, checkpointRow, counts }) => ({ id: fileId, cp: checkpointRow, ...counts }));
    const rows = await rowsOf<{ id: number }>(
      tx,
      sql`update catalog_files f
             set checkpoint_row = b.cp,
                 rows_total = f.rows_total + b."rowsTotal",
                 rows_inserted = f.rows_inserted + b.inserted,
                 rows_updated = f.rows_updated + b.updated,
                 rows_unchanged = f.rows_unchanged + b.unchanged,
                 rows_quarantined = f.rows_quarantined + b.quarantined,
                 lease_expires_at = now() + ${`${leaseMs} milliseconds`}::interval
            from jsonb_to_recordset(${JSON.stringify(values)}::jsonb)
                 as b (id int, cp int, "rowsTotal" int, inserted int, updated int, unchanged int, quarantined int)
           where f.id = b.id and f.ingest_task_id = ${taskId} and f.status = 'processing'
             -- A cancelled task commits nothing more: the batch in progress rolls back.
             and ${taskIsActive(taskId)}
       returning f.id`,
    );
    return new Set(rows.map((r) => r.id));
  }

  /** `finish` of one file. */
  async finish(fileId: number, taskId: string, error: string | null, tx?: Tx): Promise<CatalogFile | undefined> {
    const [row] = await this.finishAll(taskId, [{ fileId, error }], tx);
    return row;
  }

  /**
   * Ends ingests and records the files' results in the task's results, in one statement: final status
   * (`error` null: `partial` when rows were quarantined, else `ingested`; otherwise `failed`), derived
   * totals, lease released. Resolves with the files it finished: none (and no result recorded) for a file the
   * task no longer holds, nor for a task no longer active (cancelled). With `tx`, inside a batch transaction: a file is done in the same commit as its last
   * rows.
   */
  async finishAll(taskId: string, ends: FileEnd[], tx?: Tx): Promise<CatalogFile[]> {
    if (!ends.length) return [];
    const db = tx ?? this.handle.db;
    const values = ends.map(({ fileId, error }) => ({
      id: fileId,
      error: error === null ? null : truncated(error, MAX_ERROR_MESSAGE),
    }));
    const finished = db.$with('finished').as(
      db
        .update(catalogFiles)
        .set({
          status: sql`case when e.error is not null then 'failed'
                           when ${catalogFiles.rowsQuarantined} > 0 then 'partial' else 'ingested' end`,
          lastError: sql`e.error`,
          leaseOwner: null,
          leaseExpiresAt: null,
          rowsIngested: sql`${catalogFiles.rowsInserted} + ${catalogFiles.rowsUpdated}`,
          rowsDuplicate: sql`greatest(${catalogFiles.rowsTotal} - ${catalogFiles.rowsInserted} - ${catalogFiles.rowsUpdated} - ${catalogFiles.rowsQuarantined}, 0)`,
          ingestedAt: sql`case when e.error is null then now() else ${catalogFiles.ingestedAt} end`,
        })
        .from(sql`jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as e (id int, error text)`)
        .where(and(eq(catalogFiles.id, sql`e.id`), eq(catalogFiles.ingestTaskId, taskId), taskIsActive(taskId)))
        .returning(getTableColumns(catalogFiles)),
    );
    // The same keys as FileResult (see toFileResult).
    const result = sql`jsonb_build_object(
        'file_id', ${finished.id}, 'file_name', ${finished.fileName}, 'status', ${finished.status},
        'rows_total', ${finished.rowsTotal}, 'inserted', ${finished.rowsInserted}, 'updated', ${finished.rowsUpdated},
        'unchanged', ${finished.rowsUnchanged}, 'quarantined', ${finished.rowsQuarantined}, 'error', ${finished.lastError})`;
    const recorded = db.$with('recorded').as(
      db
        .update(syncTasks)
        .set({
          results: sql`${syncTasks.results} || (select jsonb_object_agg(${finished.id}::text, ${result}) from ${finished})`,
        })
        .where(and(eq(syncTasks.id, taskId), sql`exists (select 1 from ${finished})`)),
    );
    return db.with(finished, recorded).select().from(finished);
  }

  /**
   * Hands files back (a cancel, or files claimed ahead that a run never started): pending again, lease and
   * checkpoint cleared; only those the task still holds and has not finished.
   */
  async releaseToPending(fileIds: number[], taskId: string): Promise<void> {
    if (!fileIds.length) return;
    await this.handle.db
      .update(catalogFiles)
      .set({ status: 'pending', leaseOwner: null, leaseExpiresAt: null, ...FRESH_COUNTERS })
      .where(
        and(
          inArray(catalogFiles.id, fileIds),
          eq(catalogFiles.ingestTaskId, taskId),
          eq(catalogFiles.status, 'processing'),
        ),
      );
  }

  /** Pending files matching a batch filter, oldest first. */
  async findPending(filter: PendingFilter, limit: number): Promise<CatalogFile[]> {
    const conditions: SQL[] = [eq(catalogFiles.status, 'pending')];
    if (filter.platform) conditions.push(eq(catalogFiles.platform, filter.platform));
    if (filter.domains?.length) conditions.push(inArray(catalogFiles.dataDomain, filter.domains));
    if (filter.granularities?.length) conditions.push(inArray(catalogFiles.granularity, filter.granularities));
    if (filter.shopId) conditions.push(eq(catalogFiles.shopId, filter.shopId));
    if (filter.sinceHours)
      conditions.push(sql`${catalogFiles.registeredAt} > now() - ${`${filter.sinceHours} hours`}::interval`);
    if (filter.olderThanSeconds)
      conditions.push(sql`${catalogFiles.registeredAt} < now() - ${`${filter.olderThanSeconds} seconds`}::interval`);
    return this.handle.db
      .select()
      .from(catalogFiles)
      .where(and(...conditions))
      .orderBy(asc(catalogFiles.registeredAt), asc(catalogFiles.id))
      .limit(limit);
  }

  /**
   * Files of a task that are not being processed go (back) to a given status, e.g. queued or pending: those
   * still in one of `onlyFrom`. Resolves with how many moved.
   */
  async setStatus(ids: number[], status: FileStatus, onlyFrom: FileStatus[]): Promise<number> {
    if (!ids.length) return 0;
    const moved = await this.handle.db
      .update(catalogFiles)
      .set({ status })
      .where(and(inArray(catalogFiles.id, ids), inArray(catalogFiles.status, onlyFrom)))
      .returning({ id: catalogFiles.id });
    return moved.length;
  }

  private where(filter: CatalogFilter): SQL | undefined {
    const conditions: SQL[] = [];
    if (filter.status) conditions.push(eq(catalogFiles.status, filter.status));
    if (filter.platform) conditions.push(eq(catalogFiles.platform, filter.platform));
    if (filter.dataDomain) conditions.push(eq(catalogFiles.dataDomain, filter.dataDomain));
    if (filter.granularity) conditions.push(eq(catalogFiles.granularity, filter.granularity));
    if (filter.shopId) conditions.push(eq(catalogFiles.shopId, filter.shopId));
    return conditions.length ? and(...conditions) : undefined;
  }
}

/** The task may still write: cancelled or finished tasks claim and commit nothing more. */
function taskIsActive(taskId: string): SQL {
  return sql`exists (select 1 from sync_tasks where id = ${taskId} and status = 'active')`;
}

/** A finished file as the task's per-file result (the keys `finish` stores). */
export function toFileResult(f: CatalogFile): FileResult {
  return {
    file_id: f.id,
    file_name: f.fileName,
    status: f.status,
    rows_total: f.rowsTotal,
    inserted: f.rowsInserted,
    updated: f.rowsUpdated,
    unchanged: f.rowsUnchanged,
    quarantined: f.rowsQuarantined,
    error: f.lastError,
  };
}
