import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '@app/config';
import { InjectRedis } from '@app/redis';
import { decodeTaskEvent, StoredTaskEvent, streamIdAfter, taskEventsKey } from '@app/sync-tasks';

/** Called with each batch of new events (one XREAD), oldest first. */
export type TaskEventListener = (events: StoredTaskEvent[]) => void;

const BLOCK_MS = 5_000;
const READ_COUNT = 1_000;
const RETRY_MS = 1_000;
/** Most events one resume replays; a follower further behind is told to reload instead. */
export const MAX_REPLAY = 10_000;

/** What a resume replays: the events after the id, and whether some of them are gone (trimmed or too many). */
export interface Replay {
  events: StoredTaskEvent[];
  gap: boolean;
}

/**
 * The task-event stream for this API process: one blocking reader on its own connection fans every new
 * entry out to the open SSE streams (so 200 followers cost one Redis connection, not 200), and resumes
 * read the stream's history on the shared client. Started by the first follower.
 */
@Injectable()
export class TaskEventHub implements OnModuleDestroy {
  private readonly logger = new Logger(TaskEventHub.name);
  private readonly key: string;
  private readonly listeners = new Set<TaskEventListener>();
  private reader?: Redis;
  private started?: Promise<void>;
  private lastId = '0-0';
  private stopped = false;
  private failing = false;

  constructor(
    @InjectRedis() private readonly redis: Redis,
    config: AppConfig,
  ) {
    this.key = taskEventsKey(config.redis.prefix);
  }

  /** Listens to events published from now on; resolves once the reader has its starting point. */
  async subscribe(listener: TaskEventListener): Promise<() => void> {
    this.listeners.add(listener);
    try {
      await this.start();
    } catch (error) {
      this.listeners.delete(listener);
      throw error;
    }
    return () => this.listeners.delete(listener);
  }

  /** Events after `afterId`, oldest first. */
  async replay(afterId: string): Promise<Replay> {
    const events: StoredTaskEvent[] = [];
    let from = `(${afterId}`;
    for (;;) {
      const page = await this.redis.xrange(this.key, from, '+', 'COUNT', READ_COUNT);
      for (const [id, fields] of page) {
        const event = decodeTaskEvent(id, fields);
        if (event) events.push(event);
      }
      if (page.length < READ_COUNT) break;
      if (events.length >= MAX_REPLAY) return { events: [], gap: true };
      from = `(${page[page.length - 1][0]}`;
    }
    return { events, gap: await this.trimmedAfter(afterId) };
  }

  onModuleDestroy(): void {
    this.stopped = true;
    this.listeners.clear();
    this.reader?.disconnect(); // rejects the pending XREAD: the loop ends
  }

  private start(): Promise<void> {
    this.started ??= (async () => {
      // Our own position, never `$`: an entry added between two XREADs is not skipped.
      const [last] = await this.redis.xrevrange(this.key, '+', '-', 'COUNT', 1);
      if (last) this.lastId = last[0];
      // Blocking reads need their own connection and a timeout above the block time.
      this.reader = this.redis.duplicate({ commandTimeout: BLOCK_MS + 5_000, enableAutoPipelining: false });
      this.reader.on('error', () => undefined);
      void this.loop();
    })().catch((error: unknown) => {
      this.started = undefined; // the next follower tries again
      throw error;
    });
    return this.started;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        const reply = await this.reader!.xread(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          this.key,
          this.lastId,
        );
        this.recovered();
        for (const [, entries] of reply ?? []) {
          const batch: StoredTaskEvent[] = [];
          for (const [id, fields] of entries) {
            this.lastId = id;
            const event = decodeTaskEvent(id, fields);
            if (event) batch.push(event);
          }
          if (batch.length) for (const listener of this.listeners) listener(batch);
        }
      } catch (error) {
        if (this.stopped) return;
        this.failed(error);
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref());
      }
    }
  }

  /** True when entries after `afterId` were trimmed away (Redis ≥ 7 reports the last deleted id). */
  private async trimmedAfter(afterId: string): Promise<boolean> {
    const info = (await this.redis.call('XINFO', 'STREAM', this.key).catch(() => undefined)) as unknown[] | undefined;
    if (!info) return false;
    const at = info.indexOf('max-deleted-entry-id');
    const deleted = at >= 0 ? String(info[at + 1]) : '0-0';
    return streamIdAfter(deleted, afterId);
  }

  private failed(error: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.logger.warn(
      `task events: cannot read Redis, retrying (${error instanceof Error ? error.message : String(error)})`,
    );
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.log('task events: reading Redis again');
  }
}
