import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { CacheService } from '@app/cache';
import { DomainError, MicroBatcher, settle, Settled, settledError, settledOk } from '@app/common';
import { QuotaService } from '@app/quota';
import { CatalogRepository } from '../catalog/catalog.repository';
import { TaskEventsPublisher } from '../events/task-events.publisher';
import { PRIORITY_DEFAULT } from '../queue/sync-queue.constants';
import { SyncQueueProducer } from '../queue/sync-queue.producer';
import { QuotaGate } from './quota-gate';
import { Submission, SubmittedSingle } from './submission';
import { QueuedSingle, TasksRepository } from './tasks.repository';

/** Largest batch of single submissions handled by one set of round trips. */
const MAX_BATCH = 128;
/** Batches in progress at once: while they run, new submissions gather into the next one. */
const MAX_IN_FLIGHT = 2;

/** The Idempotency-Key was taken by a concurrent submission; the caller answers with that one. */
export class IdempotencyKeyTaken extends DomainError {
  constructor(readonly fileName: string) {
    super('CONFLICT', 'Another submission with this Idempotency-Key is in progress; retry it', {});
  }
}

interface Request {
  sub: Submission;
  fileId: number;
}

interface Admission {
  index: number;
  sub: Submission;
  task: QueuedSingle;
  fileName: string;
}

/**
 * Single-file submissions, coalesced: concurrent requests share one catalog lookup, one Redis round
 * trip for all quota reservations, one PostgreSQL statement (one commit) inserting every task and
 * queueing its file, and one pipelined BullMQ add, instead of paying each per request.
 * Every request still gets its own answer: a 404, a 429 or an Idempotency-Key race concerns only its own.
 * The guarantees are those of a lone submission: quota first, the row committed before its job exists
 * and before the 202, and a failed enqueue leaves the task to the outbox (queued, enqueued_at null).
 * Files moved to `queued` invalidate the cached stats (they count files by status) before the 202.
 */
@Injectable()
export class SingleSubmitter {
  private readonly logger = new Logger(SingleSubmitter.name);
  private readonly batcher = new MicroBatcher<Request, SubmittedSingle>({
    handle: (requests) => this.handle(requests),
    maxBatch: MAX_BATCH,
    maxInFlight: MAX_IN_FLIGHT,
  });

  constructor(
    private readonly tasks: TasksRepository,
    private readonly catalog: CatalogRepository,
    private readonly producer: SyncQueueProducer,
    private readonly quota: QuotaService,
    private readonly gate: QuotaGate,
    private readonly events: TaskEventsPublisher,
    private readonly cache: CacheService,
  ) {}

  submit(sub: Submission, fileId: number): Promise<SubmittedSingle> {
    return this.batcher.add({ sub, fileId });
  }

  private async handle(requests: Request[]): Promise<Settled<SubmittedSingle>[]> {
    // Every slot is filled below: 404, 429, an error, or the answer.
    const outcomes = new Array<Settled<SubmittedSingle>>(requests.length);
    // Files: unknown ones are a 404 before any quota is taken.
    const names = await this.catalog.fileNames([...new Set(requests.map((r) => r.fileId))]);
    const known = requests.flatMap(({ sub, fileId }, index): Admission[] => {
      const fileName = names.get(fileId);
      if (fileName === undefined) {
        outcomes[index] = settledError(DomainError.notFound('File', fileId));
        return [];
      }
      const task = {
        id: randomUUID(),
        userId: sub.owner.id,
        fileId,
        priority: sub.priority ?? PRIORITY_DEFAULT,
        idempotencyKey: sub.idempotencyKey,
      };
      return [{ index, sub, task, fileName }];
    });
    if (!known.length) return outcomes;

    // Quota: one round trip for all; a refusal answers only its own request.
    const admissions = await this.quota.admit(known.map((a) => ({ owner: a.sub.owner, taskId: a.task.id })));
    const unchecked = known.filter((_, k) => admissions[k].outcome === 'unchecked');
    if (unchecked.length) {
      // Redis does not answer: PostgreSQL decides each quota; the outbox enqueues later.
      await Promise.all(unchecked.map(async (a) => (outcomes[a.index] = await settle(() => this.withoutRedis(a)))));
    }
    const admitted = known.filter((a, k) => {
      const admission = admissions[k];
      if (admission.outcome === 'refused') outcomes[a.index] = settledError(admission.error);
      return admission.outcome === 'reserved';
    });
    if (!admitted.length) return outcomes;

    // Rows: committed before any job exists; tasks not inserted give their slot back.
    const { results: inserted, queuedFiles } = await this.insert(admitted);
    if (queuedFiles) await this.cache.invalidate('account_stats');
    const accepted: Admission[] = [];
    for (const [k, a] of admitted.entries()) {
      const result = inserted[k];
      if (result.ok && result.value) accepted.push(a);
      else {
        await this.quota.release(a.task.userId, a.task.id);
        outcomes[a.index] = result.ok ? settledError(new IdempotencyKeyTaken(a.fileName)) : result;
      }
    }

    // Events before jobs: a follower sees `queued` before the worker's `active`.
    this.events.queued(accepted.map((a) => ({ id: a.task.id, userId: a.task.userId })));
    // Jobs: one pipelined add; on failure every task goes back to the outbox (enqueued_at null).
    const enqueued = await this.producer.enqueueTasks(
      accepted.map(({ task }) => ({ taskId: task.id, userId: task.userId, priority: task.priority })),
    );
    if (!enqueued) await this.unmarkEnqueued(accepted.map((a) => a.task.id));
    for (const a of accepted) outcomes[a.index] = settledOk(answer(a, enqueued));
    return outcomes;
  }

  /**
   * One statement for all; if it fails, each task is tried on its own so that one bad row (say, a
   * user deleted meanwhile) does not fail the others. True = inserted, false = Idempotency-Key taken.
   */
  private async insert(admitted: Admission[]): Promise<{ results: Settled<boolean>[]; queuedFiles: number }> {
    try {
      const { inserted, queuedFiles } = await this.tasks.insertQueuedSingles(
        admitted.map((a) => a.task),
        true,
      );
      return { results: admitted.map((a) => settledOk(inserted.has(a.task.id))), queuedFiles };
    } catch (error) {
      if (admitted.length === 1) return { results: [settledError(error)], queuedFiles: 0 };
      let queuedFiles = 0;
      const results = await Promise.all(
        admitted.map((a) =>
          settle(async () => {
            const one = await this.tasks.insertQueuedSingles([a.task], true);
            queuedFiles += one.queuedFiles;
            return one.inserted.has(a.task.id);
          }),
        ),
      );
      return { results, queuedFiles };
    }
  }

  private async withoutRedis(a: Admission): Promise<SubmittedSingle> {
    const { inserted, queuedFiles } = await this.gate.writeUnchecked(a.sub.owner, (tx) =>
      this.tasks.insertQueuedSingles([a.task], false, tx),
    );
    if (!inserted.has(a.task.id)) throw new IdempotencyKeyTaken(a.fileName);
    if (queuedFiles) await this.cache.invalidate('account_stats');
    this.events.queued([{ id: a.task.id, userId: a.task.userId }]);
    const { id: taskId, userId, priority } = a.task;
    const enqueued = await this.producer.enqueueTasks([{ taskId, userId, priority }]);
    if (enqueued) await this.tasks.markEnqueued([a.task.id]).catch((e: Error) => this.notRecorded(e));
    return answer(a, enqueued);
  }

  /**
   * A task whose enqueued_at stays set although its job is missing (PostgreSQL failed here too, or the
   * process died between insert and enqueue) is re-added by the outbox's vanished-job check.
   */
  private async unmarkEnqueued(ids: string[]): Promise<void> {
    await this.tasks.unmarkEnqueued(ids).catch((e: Error) => this.notRecorded(e));
  }

  private notRecorded(error: Error): void {
    this.logger.warn(`enqueued_at not recorded; the outbox will check those tasks: ${error.message}`);
  }
}

function answer(a: Admission, enqueued: boolean): SubmittedSingle {
  return {
    task_id: a.task.id,
    status: 'queued',
    total_files: 1,
    file_ids: [a.task.fileId],
    enqueued,
    replayed: false,
    file_id: a.task.fileId,
    file_name: a.fileName,
  };
}
