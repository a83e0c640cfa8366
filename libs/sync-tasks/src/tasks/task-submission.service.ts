import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { CacheService } from '@app/cache';
import { DomainError } from '@app/common';
import { isUniqueViolation } from '@app/db';
import { CatalogFile, CatalogRepository, PendingFilter } from '../catalog/catalog.repository';
import { TaskEventsPublisher } from '../events/task-events.publisher';
import { PRIORITY_DEFAULT } from '../queue/sync-queue.constants';
import { SyncQueueProducer } from '../queue/sync-queue.producer';
import { QuotaGate } from './quota-gate';
import { IdempotencyKeyTaken, SingleSubmitter } from './single-submitter';
import { Submission, SubmittedSingle, SubmittedTask } from './submission';
import { REQUEUABLE_FILE_STATUSES, SyncTask, TasksRepository } from './tasks.repository';

export type { Submission, SubmittedSingle, SubmittedTask } from './submission';

/** Largest batch one task may hold (batch-all takes the oldest this many pending files). */
export const MAX_FILES_PER_TASK = 10_000;

/**
 * Every way to submit a task: quota reserved atomically, the row inserted (the record of
 * truth, so nothing accepted is lost), then one enqueue; Redis down → the outbox enqueues later.
 */
@Injectable()
export class TaskSubmissionService {
  constructor(
    private readonly tasks: TasksRepository,
    private readonly catalog: CatalogRepository,
    private readonly producer: SyncQueueProducer,
    private readonly gate: QuotaGate,
    private readonly singles: SingleSubmitter,
    private readonly events: TaskEventsPublisher,
    private readonly cache: CacheService,
  ) {}

  /** The hot path: coalesced with concurrent single submissions (see SingleSubmitter). */
  async single(sub: Submission, fileId: number): Promise<SubmittedSingle> {
    const replay = await this.replay(sub);
    if (replay) {
      const fileName = (await this.catalog.fileNames([fileId])).get(fileId);
      if (fileName === undefined) throw DomainError.notFound('File', fileId);
      return { ...replay, file_id: fileId, file_name: fileName };
    }
    try {
      return await this.singles.submit(sub, fileId);
    } catch (error) {
      // Two requests raced with one Idempotency-Key: the loser returns the winner's task.
      if (!(error instanceof IdempotencyKeyTaken)) throw error;
      const winner = await this.replay(sub);
      if (!winner) throw error;
      return { ...winner, file_id: fileId, file_name: error.fileName };
    }
  }

  async byIds(sub: Submission, fileIds: number[]): Promise<SubmittedTask & { missing_file_ids: number[] }> {
    const unique = [...new Set(fileIds)];
    const replay = await this.replay(sub);
    const files = await this.catalog.findByIds(unique);
    const known = new Set(files.map((f) => f.id));
    const missing = unique.filter((id) => !known.has(id));
    if (!files.length) throw new DomainError('NOT_FOUND', 'None of the file ids exist', { missing_file_ids: missing });
    const ordered = unique.filter((id) => known.has(id)).map((id) => files.find((f) => f.id === id) as CatalogFile);
    const result = replay ?? (await this.submit(sub, 'batch', ordered, { file_ids: unique }));
    return { ...result, missing_file_ids: missing };
  }

  async byFilter(sub: Submission, filter: PendingFilter, limit: number): Promise<SubmittedTask> {
    const replay = await this.replay(sub);
    if (replay) return replay;
    const files = await this.catalog.findPending(filter, limit);
    if (!files.length)
      return { task_id: null, status: 'nothing_to_do', total_files: 0, file_ids: [], enqueued: false, replayed: false };
    return this.submit(sub, 'batch', files, { ...filter, limit });
  }

  private async submit(
    sub: Submission,
    kind: SyncTask['kind'],
    files: CatalogFile[],
    filter: Record<string, unknown> | null,
  ): Promise<SubmittedTask> {
    const id = randomUUID();
    const priority = sub.priority ?? PRIORITY_DEFAULT;
    const fileIds = files.map((f) => f.id);
    let task: SyncTask;
    try {
      task = await this.gate.write(sub.owner, id, (tx) =>
        this.tasks.insert(
          {
            id,
            userId: sub.owner.id,
            kind,
            fileIds,
            filter,
            priority,
            status: 'queued',
            idempotencyKey: sub.idempotencyKey,
          },
          tx,
        ),
      );
    } catch (error) {
      // Two requests raced with one Idempotency-Key: the loser returns the winner's task.
      const winner = isUniqueViolation(error) && sub.idempotencyKey ? await this.replay(sub) : undefined;
      if (winner) return winner;
      throw error;
    }
    // The stats count files by status: stale no longer once the 202 is sent.
    if (await this.catalog.setStatus(fileIds, 'queued', REQUEUABLE_FILE_STATUSES)) {
      await this.cache.invalidate('account_stats');
    }
    this.events.queued([{ id: task.id, userId: task.userId }]);
    const enqueued = await this.producer.enqueueTask({ taskId: task.id, userId: task.userId, priority });
    if (enqueued) await this.tasks.markEnqueued([task.id]);
    return {
      task_id: task.id,
      status: task.status,
      total_files: fileIds.length,
      file_ids: fileIds,
      enqueued,
      replayed: false,
    };
  }

  /** The task an Idempotency-Key already named in the last 24 h, if any. */
  private async replay(sub: Submission): Promise<SubmittedTask | undefined> {
    if (!sub.idempotencyKey) return undefined;
    const earlier = await this.tasks.findByIdempotencyKey(sub.owner.id, sub.idempotencyKey);
    if (!earlier) return undefined;
    if (!earlier.fresh) {
      await this.tasks.forgetIdempotencyKey(earlier.id);
      return undefined;
    }
    return {
      task_id: earlier.id,
      status: earlier.status,
      total_files: earlier.fileIds.length,
      file_ids: earlier.fileIds,
      enqueued: earlier.enqueuedAt !== null,
      replayed: true,
    };
  }
}
