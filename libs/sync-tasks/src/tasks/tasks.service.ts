import { Injectable } from '@nestjs/common';
import { DomainError, Page, PageQuery } from '@app/common';
import { FileResult, TaskProgress, TaskStatus } from '@app/db';
import { CatalogRepository } from '../catalog/catalog.repository';
import { SyncQueueProducer } from '../queue/sync-queue.producer';
import { TaskErrorCode } from './task-error-code';
import { TaskScope } from './task-scope';
import { SyncTask, TasksRepository } from './tasks.repository';

/** A task's progress as the API shows it (stored and reported by the worker as `TaskProgress`). */
export interface TaskProgressView {
  files_total: number;
  files_done: number;
  rows_total: number;
  rows_done: number;
  percent: number;
  current_file: string | null;
}

export interface TaskSummary {
  task_id: string;
  user_id: number;
  kind: SyncTask['kind'];
  status: SyncTask['status'];
  priority: number;
  total_files: number;
  progress: TaskProgressView | null;
  attempts: number;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface TaskView extends TaskSummary {
  file_ids: number[];
  error_code: TaskErrorCode | null;
  enqueued: boolean;
  duration_ms: number | null;
  files: FileResult[];
}

/** Reading tasks back, always within the caller's scope. */
@Injectable()
export class TasksService {
  constructor(
    private readonly tasks: TasksRepository,
    private readonly catalog: CatalogRepository,
    private readonly producer: SyncQueueProducer,
  ) {}

  async list(scope: TaskScope, status: TaskStatus | undefined, page: PageQuery): Promise<Page<TaskSummary>> {
    const { items, total } = await this.tasks.list(scope, status, page);
    return { items: items.map(summaryOf), total, page: page.page, page_size: page.pageSize };
  }

  /** One call for every task a page shows: those of `ids` the caller may see, in the order asked. */
  async listByIds(scope: TaskScope, ids: string[], status: TaskStatus | undefined): Promise<Page<TaskSummary>> {
    const wanted = [...new Set(ids)];
    const found = new Map((await this.tasks.findManyScoped(wanted, scope, status)).map((t) => [t.id, t]));
    const items = wanted.flatMap((id) => {
      const task = found.get(id);
      return task ? [summaryOf(task)] : [];
    });
    return { items, total: items.length, page: 1, page_size: wanted.length };
  }

  async view(taskId: string, scope: TaskScope): Promise<TaskView> {
    const task = await this.tasks.findScoped(taskId, scope);
    if (!task) throw DomainError.notFound('Task', taskId);
    const live = task.status === 'active' ? await this.producer.liveProgress(task.id) : undefined;
    const files = await this.catalog.findByIds(task.fileIds);
    const byId = new Map(files.map((f) => [f.id, f]));
    return {
      ...summaryOf(task),
      progress: progressView(isProgress(live) ? live : task.progress),
      file_ids: task.fileIds,
      error_code: task.errorCode as TaskErrorCode | null, // only TaskErrorCode values are written
      enqueued: task.enqueuedAt !== null,
      duration_ms: task.startedAt && task.finishedAt ? task.finishedAt.getTime() - task.startedAt.getTime() : null,
      files: task.fileIds.map(
        (id) => task.results[id] ?? pendingResult(id, byId.get(id)?.fileName ?? '', byId.get(id)?.status),
      ),
    };
  }
}

function summaryOf(task: SyncTask): TaskSummary {
  return {
    task_id: task.id,
    user_id: task.userId,
    kind: task.kind,
    status: task.status,
    priority: task.priority,
    total_files: task.fileIds.length,
    progress: progressView(task.progress),
    attempts: task.attempts,
    error: task.error,
    created_at: task.createdAt,
    started_at: task.startedAt,
    finished_at: task.finishedAt,
  };
}

function progressView(p: TaskProgress | null | undefined): TaskProgressView | null {
  if (!p) return null;
  return {
    files_total: p.filesTotal,
    files_done: p.filesDone,
    rows_total: p.rowsTotal,
    rows_done: p.rowsDone,
    percent: p.percent,
    current_file: p.currentFile,
  };
}

function isProgress(value: unknown): value is TaskProgress {
  return typeof value === 'object' && value !== null && 'filesTotal' in value;
}

function pendingResult(fileId: number, fileName: string, status: FileResult['status'] = 'queued'): FileResult {
  return {
    file_id: fileId,
    file_name: fileName,
    status,
    rows_total: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    quarantined: 0,
    error: null,
  };
}
