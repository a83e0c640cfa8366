import { Injectable, Logger } from '@nestjs/common';
import { CacheService } from '@app/cache';
import { DomainError } from '@app/common';
import { QuotaOwner, QuotaService } from '@app/quota';
import { CatalogRepository } from '../catalog/catalog.repository';
import { TaskEventsPublisher } from '../events/task-events.publisher';
import { SyncQueueProducer } from '../queue/sync-queue.producer';
import { QuotaGate } from './quota-gate';
import { TaskScope } from './task-scope';
import { SyncTask, TasksRepository } from './tasks.repository';

export interface ControlResult {
  task_id: string;
  status: SyncTask['status'];
  message: string;
}

/**
 * Cancel and retry, within the caller's scope; the quota follows every transition, and the cached stats
 * (files by status) every file the action moves, before the answer.
 */
@Injectable()
export class TaskControlService {
  private readonly logger = new Logger(TaskControlService.name);

  constructor(
    private readonly tasks: TasksRepository,
    private readonly catalog: CatalogRepository,
    private readonly producer: SyncQueueProducer,
    private readonly quota: QuotaService,
    private readonly gate: QuotaGate,
    private readonly events: TaskEventsPublisher,
    private readonly cache: CacheService,
  ) {}

  /**
   * queued → removed from the queue at once; active → marked cancelled now (the slot frees
   * at once) and the worker stops at its next batch boundary, rolling that batch back.
   */
  async cancel(taskId: string, scope: TaskScope): Promise<ControlResult> {
    const task = await this.owned(taskId, scope);
    const was = await this.tasks.cancel(task.id);
    if (!was)
      throw new DomainError('INVALID_STATE', `Task is ${task.status}; only queued or active tasks can be cancelled`, {
        status: task.status,
      });
    await this.quota.release(task.userId, task.id);
    this.events.state(task, 'cancelled', { progress: task.progress });
    if (was === 'queued')
      await this.producer
        .removeTask(task.id)
        .catch((e: Error) => this.logger.warn(`job ${task.id} stays in Redis: ${e.message}`));
    // Files waiting in this task go back to pending; the one in progress is handed back by the worker.
    await this.filesMoved(await this.catalog.setStatus(task.fileIds, 'pending', ['queued']));
    const message =
      was === 'queued' ? 'Removed from the queue' : 'Stopping at the next batch boundary; finished files are kept';
    return { task_id: task.id, status: 'cancelled', message };
  }

  /** failed/cancelled → queued again under the same id (quota applies); files already done are kept. */
  async retry(taskId: string, scope: TaskScope, owner: QuotaOwner): Promise<ControlResult> {
    const task = await this.owned(taskId, scope);
    if (task.status !== 'failed' && task.status !== 'cancelled') {
      throw new DomainError('INVALID_STATE', `Task is ${task.status}; only failed or cancelled tasks can be retried`, {
        status: task.status,
      });
    }
    if (!(await this.producer.removeTask(task.id))) {
      throw new DomainError('INVALID_STATE', 'The task is still stopping; retry in a moment', { status: task.status });
    }
    // The quota of the task's owner applies (an admin retrying for a user spends the user's slot).
    const taskOwner: QuotaOwner =
      task.userId === owner.id ? owner : { id: task.userId, role: (await this.tasks.roleOf(task.userId)) ?? 'normal' };
    const requeued = await this.gate.write(taskOwner, task.id, async (tx) => {
      const row = await this.tasks.requeue(task.id, tx);
      if (!row) throw new DomainError('INVALID_STATE', 'The task changed state meanwhile', {});
      return row;
    });
    await this.filesMoved(await this.catalog.setStatus(requeued.fileIds, 'queued', ['pending', 'failed']));
    this.events.state(requeued, 'queued');
    const job = { taskId: requeued.id, userId: requeued.userId, priority: requeued.priority };
    if (await this.producer.enqueueTask(job)) await this.tasks.markEnqueued([requeued.id]);
    return { task_id: requeued.id, status: 'queued', message: 'Queued again' };
  }

  private async filesMoved(count: number): Promise<void> {
    if (count) await this.cache.invalidate('account_stats');
  }

  private async owned(taskId: string, scope: TaskScope): Promise<SyncTask> {
    const task = await this.tasks.findScoped(taskId, scope);
    if (!task) throw DomainError.notFound('Task', taskId);
    return task;
  }
}
