import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { MetricsService } from '@app/observability';
import { QuotaService } from '@app/quota';
import { InjectRedis } from '@app/redis';
import Redis from 'ioredis';
import { SyncQueueProducer } from '../queue/sync-queue.producer';
import { TasksRepository } from './tasks.repository';

const EVERY_MS = 1_000;
const BATCH = 500;
/** Enqueued tasks still queued after this long get their job checked (a Redis that lost data). */
const VANISHED_AFTER_S = 60;
const VANISHED_EVERY_MS = 30_000;

/**
 * Enqueues accepted tasks that are not in Redis yet (Redis was down at submission, or the
 * process died between insert and enqueue), re-enqueues queued tasks whose job vanished, and
 * installs (or removes) the overdue sweep's schedule. The job id is the task id, so a task enqueued
 * twice (two relays, or a relay racing the submitter) is still one job. The vanished-job check also runs
 * at start-up (this process may have died between a task's insert and its add) and whenever the Redis
 * connection is ready again (a Redis restarted without persistence forgot every job): then for every
 * queued task, not only those enqueued a minute ago.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private vanishedTimer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly tasks: TasksRepository,
    private readonly producer: SyncQueueProducer,
    private readonly quota: QuotaService,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    @InjectRedis() private readonly redis: Redis,
  ) {}

  onApplicationBootstrap(): void {
    this.metrics.addCollector('outbox', () => this.collectMetrics());
    this.timer = setInterval(() => void this.drain(), EVERY_MS);
    this.timer.unref();
    this.vanishedTimer = setInterval(() => void this.requeueVanished(), VANISHED_EVERY_MS);
    this.vanishedTimer.unref();
    void this.requeueVanished(0);
    this.redis.on('ready', this.onRedisReady);
    const { sweepPendingAfterS, sweepIntervalMs } = this.config.worker;
    this.producer
      .scheduleSweep(sweepPendingAfterS ? sweepIntervalMs : undefined)
      .catch((e: Error) => this.logger.warn(`overdue sweep schedule not updated: ${e.message}`));
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    clearInterval(this.vanishedTimer);
    this.redis.off('ready', this.onRedisReady);
  }

  private readonly onRedisReady = (): void => void this.requeueVanished(0);

  /**
   * A queued task whose job is gone from Redis (Redis restarted without persistence, or a
   * job was removed by hand) is put back: the row, not Redis, is the record of what was accepted.
   */
  async requeueVanished(enqueuedBeforeS = VANISHED_AFTER_S): Promise<number> {
    let requeued = 0;
    try {
      for (const task of await this.tasks.enqueuedBefore(enqueuedBeforeS, BATCH)) {
        if (await this.producer.jobExists(task.id)) continue;
        if (await this.producer.enqueueTask({ taskId: task.id, userId: task.userId, priority: task.priority }))
          requeued++;
      }
      if (requeued) this.logger.warn(`outbox: ${requeued} queued tasks had lost their job and were enqueued again`);
    } catch (error) {
      this.logger.warn(`vanished-job check skipped: ${(error as Error).message}`);
    }
    return requeued;
  }

  async collectMetrics(): Promise<void> {
    const { pending, oldestSeconds } = await this.tasks.outboxBacklog();
    this.metrics.outboxPending.set(pending);
    this.metrics.outboxOldestSeconds.set(oldestSeconds);
  }

  /** One pass: returns how many tasks were enqueued. */
  async drain(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let enqueued = 0;
    try {
      const tasks = await this.tasks.unenqueued(BATCH);
      if (!tasks.length) return 0;
      // Slots before jobs: held after the add, a slot came back after a worker had already finished the task and
      // released it (an API killed between a batch's add and its enqueued_at left such tasks), and stayed.
      const byUser = new Map<number, string[]>();
      for (const t of tasks) byUser.set(t.userId, [...(byUser.get(t.userId) ?? []), t.id]);
      for (const [userId, ids] of byUser) await this.quota.hold(userId, ids);
      // A task that ended between the select and the hold (its job was there already, or it was cancelled).
      for (const { id, userId } of await this.tasks.settledAmong(tasks.map((t) => t.id)))
        await this.quota.release(userId, id);
      const jobs = tasks.map((t) => ({ taskId: t.id, userId: t.userId, priority: t.priority }));
      if (!(await this.producer.enqueueTasks(jobs))) return 0; // Redis down: the slots stay held, the tasks queued
      await this.tasks.markEnqueued(tasks.map((t) => t.id));
      enqueued = tasks.length;
      this.logger.log(`outbox: ${enqueued} accepted tasks enqueued`);
    } catch (error) {
      this.logger.warn(`outbox pass failed: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
    return enqueued;
  }
}
