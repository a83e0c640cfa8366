import { Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '@app/config';
import { TaskProgress, TaskStatus } from '@app/db';
import { InjectRedis } from '@app/redis';
import { encodeTaskEvent, EVENT_FIELD, TaskEvent, taskEventsKey } from './task-event';

interface TaskRef {
  id: string;
  userId: number;
}

/**
 * Publishes task events to one Redis stream, trimmed by age (MINID ~ now − retention, so at least the
 * retention is kept) and by length (MAXLEN ~ TASK_EVENTS_MAX_ENTRIES: a burst of submissions cannot
 * fill a `noeviction` Redis that BullMQ needs) so a follower can resume from `Last-Event-ID` on any API
 * replica; a resume from before what is kept gets a reset. Never fails or
 * delays what it reports on: sent on the shared fail-fast client without being awaited by the caller's
 * result, and a lost event (Redis down) costs a follower only that event — the task row stays the truth.
 */
@Injectable()
export class TaskEventsPublisher {
  private readonly logger = new Logger(TaskEventsPublisher.name);
  private readonly key: string;
  private readonly retentionMs: number;
  private readonly maxEntries: number;
  private failing = false;

  constructor(
    @InjectRedis() private readonly redis: Redis,
    config: AppConfig,
  ) {
    this.key = taskEventsKey(config.redis.prefix);
    this.retentionMs = config.events.retentionSeconds * 1000;
    this.maxEntries = config.events.maxEntries;
  }

  state(
    task: TaskRef,
    status: TaskStatus,
    extra: { progress?: TaskProgress | null; error?: string | null } = {},
  ): void {
    this.publish([{ type: 'state', task, status, progress: extra.progress ?? null, error: extra.error ?? null }]);
  }

  /** Newly queued tasks, one pipelined write. */
  queued(tasks: TaskRef[]): void {
    this.publish(tasks.map((task) => ({ type: 'state', task, status: 'queued', progress: null, error: null })));
  }

  progress(task: TaskRef, progress: TaskProgress): void {
    this.publish([{ type: 'progress', task, status: 'active', progress, error: null }]);
  }

  private publish(
    events: {
      type: TaskEvent['type'];
      task: TaskRef;
      status: TaskStatus;
      progress: TaskProgress | null;
      error: string | null;
    }[],
  ): void {
    if (!events.length) return;
    const minId = String(Date.now() - this.retentionMs);
    const pipeline = this.redis.pipeline();
    for (const e of events) {
      const event = encodeTaskEvent({
        type: e.type,
        task_id: e.task.id,
        user_id: e.task.userId,
        status: e.status,
        progress: e.progress,
        error: e.error,
      });
      pipeline.xadd(this.key, 'MINID', '~', minId, '*', EVENT_FIELD, event);
    }
    pipeline.xtrim(this.key, 'MAXLEN', '~', this.maxEntries);
    pipeline.exec().then(
      (replies) => this.settled(replies?.find(([error]) => error)?.[0] ?? undefined),
      (error: unknown) => this.settled(error),
    );
  }

  private settled(error: unknown): void {
    if (!error) {
      if (this.failing) this.logger.log('task events are published again');
      this.failing = false;
      return;
    }
    if (this.failing) return;
    this.failing = true;
    this.logger.warn(
      `task events not published (followers miss them until Redis answers): ${error instanceof Error ? error.message : 'unknown error'}`,
    );
  }
}
