import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { JobsOptions, Queue } from 'bullmq';
import { DomainError, withTimeout } from '@app/common';
import { AppConfig } from '@app/config';
import { FairShare } from './fair-share';
import { SYNC_QUEUE, SyncJob, SyncJobPayloads } from './sync-queue.constants';

const ADD_TIMEOUT_MS = 2_000;
/** Retry-After (seconds) when a request needs the queue and Redis does not answer. */
const QUEUE_DOWN_RETRY_AFTER_S = 5;

export interface TaskToEnqueue {
  taskId: string;
  userId: number;
  /** API priority 1–10. */
  priority: number;
}

/**
 * The only caller of `queue.addBulk` (no other adds): job id = task id, the priority (API level and the
 * task's fair-share round, see FairShare) and retries.
 */
@Injectable()
export class SyncQueueProducer {
  private readonly logger = new Logger(SyncQueueProducer.name);

  constructor(
    @InjectQueue(SYNC_QUEUE) private readonly queue: Queue,
    private readonly config: AppConfig,
    private readonly fairShare: FairShare,
  ) {
    // Connection errors surface as failed adds (→ outbox); an unheard 'error' event would crash the process.
    this.queue.on('error', (error) => this.logger.warn(`queue connection: ${error.message}`));
  }

  /** True when the job is in Redis; false when Redis did not answer (the outbox will retry). */
  async enqueueTask(task: TaskToEnqueue): Promise<boolean> {
    return this.enqueueTasks([task]);
  }

  /**
   * Many tasks in one Redis round trip (a pipeline of BullMQ's add scripts). True when every job is in
   * Redis; false when Redis did not answer, or answered with an error for any of them: the caller then
   * leaves them all to the outbox, which re-adds each by its job id (a job already added stays one job).
   * Fair-share rounds are taken in the order given (oldest task first, for the outbox).
   */
  async enqueueTasks(tasks: TaskToEnqueue[]): Promise<boolean> {
    if (!tasks.length) return true;
    try {
      await withTimeout(this.add(tasks), ADD_TIMEOUT_MS);
      return true;
    } catch (error) {
      this.logger.warn(`enqueue of ${tasks.length} tasks deferred to the outbox: ${(error as Error).message}`);
      return false;
    }
  }

  async jobExists(taskId: string): Promise<boolean> {
    return (await withTimeout(this.queue.getJob(taskId), ADD_TIMEOUT_MS)) !== undefined;
  }

  /** Installs or removes the repeatable overdue sweep (BullMQ job scheduler: one per queue, across replicas). */
  async scheduleSweep(everyMs: number | undefined): Promise<void> {
    if (everyMs) {
      await this.queue.upsertJobScheduler(
        SyncJob.SweepOverdue,
        { every: everyMs },
        { name: SyncJob.SweepOverdue, data: {}, opts: { priority: 1 } },
      );
    } else {
      await this.queue.removeJobScheduler(SyncJob.SweepOverdue);
    }
  }

  /** The live progress a worker reports for a running task, if Redis answers. */
  async liveProgress(taskId: string): Promise<unknown> {
    try {
      const job = await withTimeout(this.queue.getJob(taskId), 500);
      return job?.progress;
    } catch {
      return undefined;
    }
  }

  /**
   * True when no job of this task is left in Redis. Bounded: Redis not answering is a 503 for the caller
   * (a retry must not re-add under a job id whose old job may still be there), never a hang or a 500.
   */
  async removeTask(taskId: string): Promise<boolean> {
    const job = await withTimeout(this.queue.getJob(taskId), ADD_TIMEOUT_MS).catch((error: Error) => {
      throw new DomainError(
        'DEPENDENCY_DOWN',
        'The queue (Redis) does not answer; retry in a moment',
        { reason: error.message },
        QUEUE_DOWN_RETRY_AFTER_S,
      );
    });
    if (!job) return true;
    const removed = await job.remove().then(
      () => true,
      () => false, // locked by a worker: it is active
    );
    return removed;
  }

  private async add(tasks: TaskToEnqueue[]): Promise<void> {
    const priorities = await this.fairShare.bullPriorities(tasks);
    await this.queue.addBulk(
      tasks.map(({ taskId }, i) => ({
        name: SyncJob.RunTask,
        data: { taskId } satisfies SyncJobPayloads[typeof SyncJob.RunTask],
        opts: this.jobOptions(taskId, priorities[i]),
      })),
    );
  }

  private jobOptions(jobId: string, bullPriority: number): JobsOptions {
    const { attempts, backoffMs } = this.config.worker;
    return {
      jobId,
      priority: bullPriority,
      attempts,
      backoff: { type: 'exponential', delay: backoffMs },
      // Retention is the worker's default (JOB_RETENTION), not repeated in every job hash.
    };
  }
}
