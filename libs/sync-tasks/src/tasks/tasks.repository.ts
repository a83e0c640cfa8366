import { Injectable } from '@nestjs/common';
import { and, asc, desc, eq, inArray, isNull, sql, SQL } from 'drizzle-orm';
import {
  DbHandle,
  FileResult,
  FileStatus,
  InjectDb,
  rowsOf,
  syncTasks,
  Role,
  TaskProgress,
  TaskStatus,
  truncated,
  Tx,
  users,
} from '@app/db';
import { offsetOf, PageQuery } from '@app/common';
import { TaskErrorCode } from './task-error-code';
import { TaskScope } from './task-scope';

/** A task's error lists its files' errors; past this it is cut (its length noted). */
const MAX_TASK_ERROR = 4_000;

export type SyncTask = typeof syncTasks.$inferSelect;
export type NewSyncTask = typeof syncTasks.$inferInsert;

/** A single-file task to insert as queued. */
export interface QueuedSingle {
  id: string;
  userId: number;
  fileId: number;
  priority: number;
  idempotencyKey?: string;
}

/** What `insertQueuedSingles` did: the tasks inserted, and how many of their files it moved to `queued`. */
export interface QueuedSingles {
  inserted: Set<string>;
  queuedFiles: number;
}

/** File statuses a new task moves to `queued` (a file queued or being processed keeps its status). */
export const REQUEUABLE_FILE_STATUSES: FileStatus[] = ['pending', 'failed', 'ingested', 'partial', 'skipped'];

@Injectable()
export class TasksRepository {
  constructor(@InjectDb() private readonly handle: DbHandle) {}

  /** A transaction for writes that go together (e.g. the quota's PostgreSQL decision and the task row). */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.handle.db.transaction(work);
  }

  async insert(task: NewSyncTask, tx?: Tx): Promise<SyncTask> {
    const [row] = await (tx ?? this.handle.db).insert(syncTasks).values(task).returning();
    return row;
  }

  /**
   * Inserts single-file tasks as queued and moves their files to `queued`, in one statement (one
   * commit however many tasks). A task whose Idempotency-Key is already taken is skipped, not an
   * error: the ids of the tasks inserted are returned and the caller resolves the others, with the
   * number of files that changed status (a file already queued or being processed keeps its own).
   * `enqueuing`: enqueued_at is set now, before the enqueue that follows at once (saving a second
   * commit); the caller clears it with `unmarkEnqueued` if that enqueue fails.
   */
  async insertQueuedSingles(tasks: QueuedSingle[], enqueuing: boolean, tx?: Tx): Promise<QueuedSingles> {
    if (!tasks.length) return { inserted: new Set(), queuedFiles: 0 };
    const column = <T>(pick: (t: QueuedSingle) => T) => sql.param(tasks.map(pick));
    const rows = await rowsOf<{ id: string; queued_files: number }>(
      tx ?? this.handle.db,
      sql`with input as (
            select * from unnest(${column((t) => t.id)}::uuid[], ${column((t) => t.userId)}::int[],
                                 ${column((t) => t.fileId)}::int[], ${column((t) => t.priority)}::smallint[],
                                 ${column((t) => t.idempotencyKey ?? null)}::text[])
                       as i(id, user_id, file_id, priority, idempotency_key)
          ), inserted as (
            insert into sync_tasks (id, user_id, kind, file_ids, priority, status, idempotency_key, enqueued_at)
            select id, user_id, 'single', jsonb_build_array(file_id), priority, 'queued', idempotency_key,
                   ${enqueuing ? sql`now()` : sql`null`}
              from input
            on conflict do nothing
            returning id, file_ids
          ), files as (
            update catalog_files set status = 'queued'
             where id in (select (file_ids->>0)::int from inserted) and status = any(${sql.param(REQUEUABLE_FILE_STATUSES)}::text[])
            returning id
          )
          select id, (select count(*)::int from files) as queued_files from inserted`,
    );
    return { inserted: new Set(rows.map((r) => r.id)), queuedFiles: rows[0]?.queued_files ?? 0 };
  }

  async findByIdempotencyKey(userId: number, key: string): Promise<(SyncTask & { fresh: boolean }) | undefined> {
    const [row] = await this.handle.db
      .select({ task: syncTasks, fresh: sql<boolean>`${syncTasks.createdAt} > now() - interval '24 hours'` })
      .from(syncTasks)
      .where(and(eq(syncTasks.userId, userId), eq(syncTasks.idempotencyKey, key)));
    return row ? { ...row.task, fresh: row.fresh } : undefined;
  }

  /** A key older than 24 h is released, so it can name a new submission. */
  async forgetIdempotencyKey(id: string): Promise<void> {
    await this.handle.db.update(syncTasks).set({ idempotencyKey: null }).where(eq(syncTasks.id, id));
  }

  async list(
    scope: TaskScope,
    status: TaskStatus | undefined,
    page: PageQuery,
  ): Promise<{ items: SyncTask[]; total: number }> {
    const where = and(scopeCondition(scope), status ? eq(syncTasks.status, status) : undefined);
    const db = this.handle.db;
    const [items, [{ total }]] = await Promise.all([
      db
        .select()
        .from(syncTasks)
        .where(where)
        .orderBy(desc(syncTasks.createdAt), desc(syncTasks.id))
        .limit(page.pageSize)
        .offset(offsetOf(page)),
      db
        .select({ total: sql<number>`count(*)::int` })
        .from(syncTasks)
        .where(where),
    ]);
    return { items, total };
  }

  /** queued/active → cancelled; returns the state it was in, or undefined when it was not live. */
  async cancel(id: string): Promise<'queued' | 'active' | undefined> {
    const [row] = await rowsOf<{ was: 'queued' | 'active' }>(
      this.handle.db,
      sql`UPDATE sync_tasks t SET status = 'cancelled', finished_at = now(), error = 'cancelled by request', error_code = ${TaskErrorCode.Cancelled}
            FROM (SELECT id, status FROM sync_tasks WHERE id = ${id} FOR UPDATE) old
           WHERE t.id = old.id AND old.status IN ('queued', 'active')
       RETURNING old.status AS was`,
    );
    return row?.was;
  }

  /** failed/cancelled → queued again under the same id; files already done keep their results. */
  async requeue(id: string, tx?: Tx): Promise<SyncTask | undefined> {
    const [row] = await (tx ?? this.handle.db)
      .update(syncTasks)
      .set({
        status: 'queued',
        error: null,
        errorCode: null,
        finishedAt: null,
        enqueuedAt: null,
        progress: null,
        results: sql`coalesce((select jsonb_object_agg(key, value) from jsonb_each(${syncTasks.results}) where value->>'status' in ('ingested', 'partial')), '{}'::jsonb)`,
      })
      .where(and(eq(syncTasks.id, id), sql`${syncTasks.status} in ('failed', 'cancelled')`))
      .returning();
    return row;
  }

  /** The outbox: accepted tasks not yet in Redis, oldest first. */
  async unenqueued(limit: number): Promise<SyncTask[]> {
    return this.handle.db
      .select()
      .from(syncTasks)
      .where(and(eq(syncTasks.status, 'queued'), isNull(syncTasks.enqueuedAt)))
      .orderBy(asc(syncTasks.createdAt))
      .limit(limit);
  }

  /** Accepted tasks still waiting for the outbox relay, and the age of the oldest (for metrics). */
  async outboxBacklog(): Promise<{ pending: number; oldestSeconds: number }> {
    const [row] = await this.handle.rows<{ pending: number; oldest_seconds: number }>(
      sql`select count(*)::int as pending,
                 coalesce(extract(epoch from now() - min(created_at)), 0)::float8 as oldest_seconds
          from sync_tasks where status = 'queued' and enqueued_at is null`,
    );
    return { pending: row.pending, oldestSeconds: row.oldest_seconds };
  }

  /** A task the caller may see, else undefined (another user's task does not exist for them). */
  async findScoped(id: string, scope: TaskScope): Promise<SyncTask | undefined> {
    const [row] = await this.handle.db
      .select()
      .from(syncTasks)
      .where(and(eq(syncTasks.id, id), scopeCondition(scope)));
    return row;
  }

  /** The tasks among `ids` the caller may see (the others are left out), in no particular order. */
  async findManyScoped(ids: string[], scope: TaskScope, status?: TaskStatus): Promise<SyncTask[]> {
    if (!ids.length) return [];
    return this.handle.db
      .select()
      .from(syncTasks)
      .where(and(inArray(syncTasks.id, ids), scopeCondition(scope), status ? eq(syncTasks.status, status) : undefined));
  }

  /** For the worker, which acts on the task id its job carries. */
  async findForWorker(id: string): Promise<SyncTask | undefined> {
    const [row] = await this.handle.db.select().from(syncTasks).where(eq(syncTasks.id, id));
    return row;
  }

  async markEnqueued(ids: string[]): Promise<void> {
    if (!ids.length) return;
    await this.handle.rows(sql`update sync_tasks set enqueued_at = now() where id = any(${sql.param(ids)}::uuid[])`);
  }

  /** Their enqueue failed: back into the outbox (queued with enqueued_at null). */
  async unmarkEnqueued(ids: string[]): Promise<void> {
    if (!ids.length) return;
    await this.handle.rows(
      sql`update sync_tasks set enqueued_at = null where id = any(${sql.param(ids)}::uuid[]) and status = 'queued'`,
    );
  }

  /** queued (or a redelivered active) → active, counting the attempt; false when finished or cancelled. */
  async markActive(id: string): Promise<boolean> {
    const rows = await this.handle.db
      .update(syncTasks)
      .set({
        status: 'active',
        attempts: sql`${syncTasks.attempts} + 1`,
        startedAt: sql`coalesce(${syncTasks.startedAt}, now())`,
        error: null,
        errorCode: null,
      })
      .where(and(eq(syncTasks.id, id), sql`${syncTasks.status} in ('queued', 'active')`))
      .returning({ id: syncTasks.id });
    return rows.length === 1;
  }

  async saveProgress(id: string, progress: TaskProgress): Promise<void> {
    await this.handle.db.update(syncTasks).set({ progress }).where(eq(syncTasks.id, id));
  }

  async saveFileResult(id: string, result: FileResult, tx?: Tx): Promise<void> {
    await (tx ?? this.handle.db)
      .update(syncTasks)
      .set({
        results: sql`${syncTasks.results} || jsonb_build_object(${String(result.file_id)}::text, ${JSON.stringify(result)}::jsonb)`,
      })
      .where(eq(syncTasks.id, id));
  }

  /** Terminal transition; only from a live state, so it happens once (returns the owner when it did). */
  async finish(
    id: string,
    status: Extract<TaskStatus, 'completed' | 'failed' | 'cancelled'>,
    error: { message: string; code: TaskErrorCode } | null,
    progress?: TaskProgress,
  ): Promise<{ userId: number; progress: TaskProgress | null } | undefined> {
    const [row] = await this.handle.db
      .update(syncTasks)
      .set({
        status,
        // Bounded: a task's error joins its files' errors, and a message may quote input.
        error: error ? truncated(error.message, MAX_TASK_ERROR) : null,
        errorCode: error?.code ?? null,
        finishedAt: sql`now()`,
        ...(progress ? { progress } : {}),
      })
      .where(and(eq(syncTasks.id, id), sql`${syncTasks.status} in ('queued', 'active')`))
      .returning({ userId: syncTasks.userId, progress: syncTasks.progress });
    return row;
  }

  async roleOf(userId: number): Promise<Role | undefined> {
    const [row] = await this.handle.db.select({ role: users.role }).from(users).where(eq(users.id, userId));
    return row?.role;
  }

  /** Owner of system-made tasks (the overdue sweep). */
  async firstActiveAdmin(): Promise<number | undefined> {
    const [row] = await this.handle.db
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.role, 'admin'), eq(users.disabled, false)))
      .orderBy(asc(users.id))
      .limit(1);
    return row?.id;
  }

  /** Tasks marked enqueued a while ago and still queued: the relay checks their job still exists. */
  async enqueuedBefore(seconds: number, limit: number): Promise<SyncTask[]> {
    return this.handle.db
      .select()
      .from(syncTasks)
      .where(
        and(eq(syncTasks.status, 'queued'), sql`${syncTasks.enqueuedAt} < now() - ${`${seconds} seconds`}::interval`),
      )
      .orderBy(asc(syncTasks.enqueuedAt))
      .limit(limit);
  }

  /** Those of the tasks that are no longer in flight (finished, failed or cancelled). */
  async settledAmong(ids: string[]): Promise<{ id: string; userId: number }[]> {
    if (!ids.length) return [];
    return this.handle.db
      .select({ id: syncTasks.id, userId: syncTasks.userId })
      .from(syncTasks)
      .where(and(inArray(syncTasks.id, ids), sql`${syncTasks.status} not in ('queued', 'active')`));
  }

  /** Inside a transaction pass `tx`: PGlite has one connection, and a query outside it would wait on it forever. */
  async statusOf(id: string, tx?: Tx): Promise<TaskStatus | undefined> {
    const [row] = await (tx ?? this.handle.db)
      .select({ status: syncTasks.status })
      .from(syncTasks)
      .where(eq(syncTasks.id, id));
    return row?.status;
  }
}

function scopeCondition(scope: TaskScope): SQL | undefined {
  return scope.kind === 'admin' ? undefined : eq(syncTasks.userId, scope.userId);
}
