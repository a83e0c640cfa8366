import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { AuthUser } from '@app/auth';
import { DomainError } from '@app/common';
import { AppConfig } from '@app/config';
import { STREAM_ID, StoredTaskEvent, streamIdAfter } from '@app/sync-tasks';
import { frameOf, SseStream } from './sse-stream';
import { TaskEventHub } from './task-event-hub';

/** Whose events a stream shows: one user's, or (admins only) everyone's. */
type Audience = { userId: number } | 'all';

/**
 * `GET /data-sync/events`: opens a caller's stream — at most `SSE_MAX_STREAMS_PER_USER` per user in this
 * process — replays what came after `Last-Event-ID`, then follows live events, with a heartbeat comment
 * every `SSE_HEARTBEAT_MS`. Every stream ends when the app shuts down, so shutdown never waits on one.
 */
@Injectable()
export class TaskEventsService implements OnModuleDestroy {
  private readonly streams = new Set<SseStream>();
  private readonly openPerUser = new Map<number, number>();
  private heartbeat?: NodeJS.Timeout;
  private shuttingDown = false;

  constructor(
    private readonly hub: TaskEventHub,
    private readonly config: AppConfig,
  ) {}

  /** Opens the stream (`start` hijacks the response) once the caller may have one; errors before that are 4xx. */
  async open(
    user: AuthUser,
    forUserId: number | undefined,
    lastEventId: string | undefined,
    start: () => SseStream,
  ): Promise<void> {
    const audience = audienceOf(user, forUserId);
    if (lastEventId !== undefined && !STREAM_ID.test(lastEventId)) {
      throw new DomainError('VALIDATION_FAILED', 'Last-Event-ID must be an event id from this stream', {
        last_event_id: lastEventId,
      });
    }
    if (this.shuttingDown) throw new DomainError('DEPENDENCY_DOWN', 'The API is shutting down; reconnect', {});
    this.reserveSlot(user.id);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.releaseSlot(user.id);
    };
    try {
      await this.follow(audience, lastEventId, start, release);
    } catch (error) {
      release();
      throw error;
    }
  }

  onModuleDestroy(): void {
    this.shuttingDown = true;
    clearInterval(this.heartbeat);
    for (const stream of this.streams) stream.close();
  }

  private async follow(
    audience: Audience,
    lastEventId: string | undefined,
    start: () => SseStream,
    release: () => void,
  ): Promise<void> {
    // Live events wait while the history is replayed, then follow it in order, without duplicates.
    let replaying = true;
    const waiting: StoredTaskEvent[] = [];
    const unsubscribe = await this.hub
      .subscribe((batch) => (replaying ? waiting.push(...batch) : deliver(batch)))
      .catch(unavailable);
    const replay = lastEventId
      ? await this.hub.replay(lastEventId).catch((error: unknown) => {
          unsubscribe();
          return unavailable(error);
        })
      : undefined;

    const stream = start();
    this.streams.add(stream);
    this.startHeartbeat();
    stream.onClose(() => {
      unsubscribe();
      this.streams.delete(stream);
      release();
    });
    let lastSeen = lastEventId;
    const deliver = (batch: StoredTaskEvent[]): void => {
      const frames: string[] = [];
      for (const stored of batch) {
        if (lastSeen !== undefined && !streamIdAfter(stored.id, lastSeen)) continue; // already sent by the replay
        lastSeen = stored.id;
        if (audience === 'all' || stored.event.user_id === audience.userId) frames.push(sharedFrame(stored));
      }
      stream.sendFrames(frames);
    };
    if (replay?.gap && lastEventId) {
      stream.send(lastEventId, 'reset', { reason: 'history_trimmed', reload: '/api/data-sync/tasks?ids=' });
    }
    deliver(replay?.events ?? []);
    deliver(waiting.splice(0));
    replaying = false;
  }

  private reserveSlot(userId: number): void {
    const open = this.openPerUser.get(userId) ?? 0;
    const limit = this.config.events.maxStreamsPerUser;
    if (open >= limit) {
      throw new DomainError(
        'RATE_LIMITED',
        `Too many open event streams: at most ${limit} per user; close one (one stream follows every task)`,
        { limit_name: 'event_streams_per_user', limit, open },
        5,
      );
    }
    this.openPerUser.set(userId, open + 1);
  }

  private releaseSlot(userId: number): void {
    const open = (this.openPerUser.get(userId) ?? 1) - 1;
    if (open > 0) this.openPerUser.set(userId, open);
    else this.openPerUser.delete(userId);
  }

  /** One timer for every stream of this process; stopped while none is open. */
  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => {
      if (!this.streams.size) {
        clearInterval(this.heartbeat);
        this.heartbeat = undefined;
        return;
      }
      for (const stream of this.streams) stream.comment('heartbeat');
    }, this.config.events.heartbeatMs);
    this.heartbeat.unref();
  }
}

/** Each event is serialised once per process, whatever the number of streams it goes to. */
const frames = new WeakMap<StoredTaskEvent, string>();
function sharedFrame(stored: StoredTaskEvent): string {
  let frame = frames.get(stored);
  if (frame === undefined) {
    frame = frameOf(stored.id, stored.event.type, stored.event);
    frames.set(stored, frame);
  }
  return frame;
}

function audienceOf(user: AuthUser, forUserId: number | undefined): Audience {
  if (user.role === 'admin') return forUserId === undefined ? 'all' : { userId: forUserId };
  if (forUserId !== undefined && forUserId !== user.id) {
    throw new DomainError('FORBIDDEN', "Only admins may follow another user's tasks", { user_id: forUserId });
  }
  return { userId: user.id };
}

function unavailable(error: unknown): never {
  throw new DomainError(
    'DEPENDENCY_DOWN',
    'Task events are unavailable while Redis does not answer; poll GET /api/data-sync/tasks?ids= meanwhile',
    { reason: error instanceof Error ? error.message : String(error) },
  );
}
