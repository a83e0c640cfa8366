import { Injectable } from '@nestjs/common';
import { and, eq, sql, SQL } from 'drizzle-orm';
import { DbHandle, FileResult, InjectDb, syncTasks, TaskProgress, TaskStatus } from '@app/db';
import { TaskScope } from './task-scope';

export type SyncTask = typeof syncTasks.$inferSelect;
export type NewSyncTask = typeof syncTasks.$inferInsert;

@Injectable()
export class TasksRepository {
  constructor(@InjectDb() private readonly handle: DbHandle) {}

  async insert(task: NewSyncTask): Promise<SyncTask> {
    const [row] = await this.handle.db.insert(syncTasks).values(task).returning();
    return row;
  }

  /** A task the caller may see, else undefined (another user's task does not exist for them). */
  async findScoped(id: string, scope: TaskScope): Promise<SyncTask | undefined> {
    const [row] = await this.handle.db
      .select()
      .from(syncTasks)
      .where(and(eq(syncTasks.id, id), scopeCondition(scope)));
    return row;
  }

  /** For the worker, which acts on the task id its job carries. */
  async findForWorker(id: string): Promise<SyncTask | undefined> {
    const [row] = await this.handle.db.select().from(syncTasks).where(eq(syncTasks.id, id));
    return row;
  }

  async markEnqueued(id: string): Promise<void> {
    await this.handle.db
      .update(syncTasks)
      .set({ enqueuedAt: sql`now()` })
      .where(eq(syncTasks.id, id));
  }

  /** queued (or a redelivered active) → active; false when the task is already finished or cancelled. */
  async markActive(id: string, attempt: number): Promise<boolean> {
    const rows = await this.handle.db
      .update(syncTasks)
      .set({
        status: 'active',
        attempts: attempt,
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

  async saveFileResult(id: string, result: FileResult): Promise<void> {
    await this.handle.db
      .update(syncTasks)
      .set({
        results: sql`${syncTasks.results} || jsonb_build_object(${String(result.file_id)}::text, ${JSON.stringify(result)}::jsonb)`,
      })
      .where(eq(syncTasks.id, id));
  }

  /** Terminal transition; only from a live state, so it happens once. */
  async finish(
    id: string,
    status: Extract<TaskStatus, 'completed' | 'failed' | 'cancelled'>,
    error: { message: string; code: string } | null,
    progress?: TaskProgress,
  ): Promise<boolean> {
    const rows = await this.handle.db
      .update(syncTasks)
      .set({
        status,
        error: error?.message ?? null,
        errorCode: error?.code ?? null,
        finishedAt: sql`now()`,
        ...(progress ? { progress } : {}),
      })
      .where(and(eq(syncTasks.id, id), sql`${syncTasks.status} in ('queued', 'active')`))
      .returning({ id: syncTasks.id });
    return rows.length === 1;
  }
}

function scopeCondition(scope: TaskScope): SQL | undefined {
  return scope.kind === 'admin' ? undefined : eq(syncTasks.userId, scope.userId);
}
