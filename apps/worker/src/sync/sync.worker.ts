import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { DelayedError, Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { settlesWithin } from '@app/common';
import { HealthRegistry, MetricsService } from '@app/observability';
import { consumerVerdict } from './consumer-liveness';
import { AppConfig } from '@app/config';
import { errorMessage } from '@app/db';
import {
  bullConnection,
  bullPrefix,
  FileBusyError,
  isTransient,
  JOB_RETENTION,
  OverdueSweeper,
  PermanentIngestError,
  SYNC_QUEUE,
  SyncJob,
  SyncJobName,
  SyncJobPayloads,
  SyncTaskRunner,
  TaskEventsPublisher,
  TaskCancelledError,
  TaskErrorCode,
  TasksRepository,
  WorkerStoppingError,
} from '@app/sync-tasks';
import { QuotaService } from '@app/quota';

/** After the grace period, how long a forced close may take before the process leaves anyway. */
const FORCED_CLOSE_MS = 1_000;
/** `outcome` label of datasync_tasks_finished_total (skipped: the task was no longer queued). */
type TaskRunOutcome = 'completed' | 'failed' | 'skipped' | 'cancelled' | 'handed_back' | 'retrying';
/** How long a task waits when another task holds its file; does not use up an attempt. */
const BUSY_FILE_DELAY_MS = 1_000;

/**
 * The sync-queue consumer. A thin dispatcher: every job name has one handler (an exhaustive
 * switch), `isTransient` decides retry vs UnrecoverableError, and the task row records
 * the terminal state.
 */
@Injectable()
export class SyncWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SyncWorker.name);
  private worker?: Worker;
  private stopping = false;
  private active = 0;
  private lastPickup = Date.now();

  constructor(
    private readonly config: AppConfig,
    private readonly runner: SyncTaskRunner,
    private readonly tasks: TasksRepository,
    private readonly quota: QuotaService,
    private readonly sweeper: OverdueSweeper,
    private readonly health: HealthRegistry,
    private readonly metrics: MetricsService,
    private readonly events: TaskEventsPublisher,
    @InjectQueue(SYNC_QUEUE) private readonly queue: Queue,
  ) {}

  onApplicationBootstrap(): void {
    const { concurrency, lockMs, stalledIntervalMs } = this.config.worker;
    this.worker = new Worker(SYNC_QUEUE, (job: Job, token?: string) => this.track(() => this.process(job, token)), {
      connection: bullConnection(this.config),
      prefix: bullPrefix(this.config),
      concurrency,
      lockDuration: lockMs,
      stalledInterval: stalledIntervalMs,
      maxStalledCount: 3,
      ...JOB_RETENTION,
    });
    this.worker.on('error', (error) => this.logger.warn(`worker connection: ${error.message}`));
    this.health.addLivenessCheck('consumer', () => this.consumerHealth());
    this.logger.log(`consuming ${SYNC_QUEUE} (concurrency ${concurrency}, lock ${lockMs} ms)`);
  }

  async onApplicationShutdown(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.stopping = true; // running tasks stop after their current batch commits
    // Stop taking jobs; active ones stop after their current batch and go back to the queue.
    const grace = this.config.worker.shutdownGraceMs;
    if (await settlesWithin(worker.close(), grace)) return;
    // Still closing: a task did not reach a batch boundary in time, or the blocking connection is between
    // reconnects (BullMQ waits for an 'end' that a reconnecting client never emits). close(true) joins the
    // pending close rather than forcing it, so give it a moment and leave: the job locks lapse and BullMQ
    // redelivers the tasks, which resume after their checkpoint.
    this.logger.warn(`worker did not close within ${grace} ms; running tasks will be redelivered`);
    await settlesWithin(worker.close(true), FORCED_CLOSE_MS);
  }

  /** Counts running jobs and the last pick-up, for the consumer liveness check. */
  private async track<T>(run: () => Promise<T>): Promise<T> {
    this.metrics.tasksRunning.set(++this.active);
    this.lastPickup = Date.now();
    try {
      return await run();
    } finally {
      this.metrics.tasksRunning.set(--this.active);
    }
  }

  /** One task run's outcome and wall time, for `datasync_tasks_finished_total` and the duration histogram. */
  private recordRun(outcome: TaskRunOutcome, startedAt: number): void {
    this.metrics.tasksFinished.inc({ outcome });
    this.metrics.taskDuration.observe({ outcome }, (Date.now() - startedAt) / 1000);
  }

  /** Liveness proof that this worker still consumes (see consumerVerdict). */
  private async consumerHealth(): Promise<{ ok: boolean; detail: Record<string, unknown> }> {
    const ready = await Promise.race([
      this.queue.getJobCountByTypes('wait', 'prioritized').catch(() => undefined),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1_000).unref()),
    ]);
    const state = {
      concurrency: this.config.worker.concurrency,
      active: this.active,
      ready,
      msSinceLastPickup: Date.now() - this.lastPickup,
      thresholdMs: Math.max(60_000, 2 * this.config.worker.lockMs),
    };
    const verdict = consumerVerdict(state);
    return { ok: verdict.ok, detail: { reason: verdict.reason, active: state.active, ready: state.ready ?? null } };
  }

  process(job: Job, token?: string): Promise<unknown> {
    const name = job.name as SyncJobName;
    switch (name) {
      case SyncJob.RunTask:
        return this.runTask(job as Job<SyncJobPayloads[typeof SyncJob.RunTask]>, token);
      case SyncJob.SweepOverdue:
        return this.sweeper.sweep();
      default: {
        const unknown: never = name;
        return Promise.reject(new UnrecoverableError(`unknown job name: ${String(unknown)}`));
      }
    }
  }

  private async runTask(job: Job<SyncJobPayloads[typeof SyncJob.RunTask]>, token?: string): Promise<unknown> {
    const { taskId } = job.data;
    const attempt = job.attemptsMade + 1;
    const startedAt = Date.now();
    let recorded: TaskRunOutcome = 'failed';
    try {
      const outcome = await this.runner.run(taskId, {
        report: (progress) => job.updateProgress({ ...progress }),
        stopping: () => this.stopping,
      });
      if (outcome.status !== 'skipped') {
        const error = outcome.error
          ? {
              message: outcome.error,
              code: outcome.status === 'failed' ? TaskErrorCode.FilesFailed : TaskErrorCode.SomeFilesFailed,
            }
          : null;
        await this.finish(taskId, outcome.status, error);
      }
      recorded = outcome.status;
      return outcome;
    } catch (error) {
      if (error instanceof TaskCancelledError) {
        recorded = 'cancelled';
        return { status: 'cancelled' }; // the API released the slot
      }
      // Handed back without using an attempt: another task holds the file, or this worker is stopping.
      if ((error instanceof FileBusyError || error instanceof WorkerStoppingError) && token) {
        recorded = 'handed_back';
        await job.moveToDelayed(Date.now() + (error instanceof FileBusyError ? BUSY_FILE_DELAY_MS : 0), token);
        throw new DelayedError(error.message);
      }
      const message = errorMessage(error);
      if (isTransient(error) && attempt < (job.opts.attempts ?? 1)) {
        recorded = 'retrying';
        this.logger.warn(`task ${taskId} attempt ${attempt} failed, will retry: ${message}`);
        throw error;
      }
      const code =
        error instanceof PermanentIngestError
          ? error.code
          : isTransient(error)
            ? TaskErrorCode.RetriesExhausted
            : TaskErrorCode.Internal;
      await this.finish(taskId, 'failed', { message, code });
      this.logger.error(`task ${taskId} failed (${code}): ${message}`);
      throw new UnrecoverableError(message);
    } finally {
      this.recordRun(recorded, startedAt);
    }
  }

  /** The terminal transition and the quota release that goes with it (both happen once). */
  private async finish(
    taskId: string,
    status: 'completed' | 'failed',
    error: { message: string; code: TaskErrorCode } | null,
  ): Promise<void> {
    const finished = await this.tasks.finish(taskId, status, error);
    if (!finished) return;
    await this.quota.release(finished.userId, taskId);
    this.events.state({ id: taskId, userId: finished.userId }, status, {
      progress: finished.progress,
      error: error?.message ?? null,
    });
  }
}
