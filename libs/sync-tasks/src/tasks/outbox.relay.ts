import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { QuotaService } from '@app/quota';
import { SyncQueueProducer } from '../queue/sync-queue.producer';
import { TasksRepository } from './tasks.repository';

const EVERY_MS = 1_000;
const BATCH = 500;

/**
 * Enqueues accepted tasks that are not in Redis yet (Redis was down at submission, or the
 * process died between insert and enqueue). The job id is the task id, so a task enqueued
 * twice (two relays, or a relay racing the submitter) is still one job.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly tasks: TasksRepository,
    private readonly producer: SyncQueueProducer,
    private readonly quota: QuotaService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.drain(), EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One pass: returns how many tasks were enqueued. */
  async drain(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let enqueued = 0;
    try {
      for (const task of await this.tasks.unenqueued(BATCH)) {
        if (!(await this.producer.enqueueTask(task.id, task.priority))) break; // Redis still down
        await this.tasks.markEnqueued(task.id);
        await this.quota.hold(task.userId, [task.id]);
        enqueued++;
      }
      if (enqueued) this.logger.log(`outbox: ${enqueued} accepted tasks enqueued`);
    } catch (error) {
      this.logger.warn(`outbox pass failed: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
    return enqueued;
  }
}
