import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DomainError } from '@app/common';
import { FileResult, TaskProgress } from '@app/db';
import { CatalogRepository } from '../catalog/catalog.repository';
import { PRIORITY_DEFAULT } from '../queue/sync-queue.constants';
import { SyncQueueProducer } from '../queue/sync-queue.producer';
import { TaskScope } from './task-scope';
import { SyncTask, TasksRepository } from './tasks.repository';

export interface TaskView {
  task_id: string;
  user_id: number;
  kind: SyncTask['kind'];
  status: SyncTask['status'];
  priority: number;
  file_ids: number[];
  progress: TaskProgress | null;
  attempts: number;
  error: string | null;
  error_code: string | null;
  enqueued: boolean;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  duration_ms: number | null;
  files: FileResult[];
}

/** Submitting tasks and reading them back, always within the caller's scope. */
@Injectable()
export class TasksService {
  constructor(
    private readonly tasks: TasksRepository,
    private readonly catalog: CatalogRepository,
    private readonly producer: SyncQueueProducer,
  ) {}

  async submitSingle(userId: number, fileId: number, priority = PRIORITY_DEFAULT) {
    const file = await this.catalog.findById(fileId);
    if (!file) throw DomainError.notFound('File', fileId);
    const task = await this.create(userId, 'single', [file.id], priority);
    return { task_id: task.id, status: task.status, file_id: file.id, file_name: file.fileName };
  }

  async view(taskId: string, scope: TaskScope): Promise<TaskView> {
    const task = await this.tasks.findScoped(taskId, scope);
    if (!task) throw DomainError.notFound('Task', taskId);
    const live = task.status === 'active' ? await this.producer.liveProgress(task.id) : undefined;
    const files = await this.catalog.findByIds(task.fileIds);
    const byId = new Map(files.map((f) => [f.id, f]));
    return {
      task_id: task.id,
      user_id: task.userId,
      kind: task.kind,
      status: task.status,
      priority: task.priority,
      file_ids: task.fileIds,
      progress: isProgress(live) ? live : (task.progress ?? null),
      attempts: task.attempts,
      error: task.error,
      error_code: task.errorCode,
      enqueued: task.enqueuedAt !== null,
      created_at: task.createdAt,
      started_at: task.startedAt,
      finished_at: task.finishedAt,
      duration_ms: task.startedAt && task.finishedAt ? task.finishedAt.getTime() - task.startedAt.getTime() : null,
      files: task.fileIds.map(
        (id) => task.results[id] ?? pendingResult(id, byId.get(id)?.fileName ?? '', byId.get(id)?.status),
      ),
    };
  }

  /** Inserts the task row first (it is the record of truth), then enqueues; Redis down → outbox. */
  private async create(userId: number, kind: SyncTask['kind'], fileIds: number[], priority: number): Promise<SyncTask> {
    const task = await this.tasks.insert({ id: randomUUID(), userId, kind, fileIds, priority, status: 'queued' });
    await this.catalog.setStatus(fileIds, 'queued', ['pending', 'failed', 'ingested', 'partial', 'skipped']);
    if (await this.producer.enqueueTask(task.id, priority)) await this.tasks.markEnqueued(task.id);
    return task;
  }
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
