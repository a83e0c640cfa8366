import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import Redis from 'ioredis';
import { InjectRedis } from '@app/redis';
import { MemoryWindowCounter, WindowCount } from './memory-window';

/**
 * One round trip per request: count the hit and open the window on the first one.
 * Returns {hits, ms until the window resets}. A fixed window: simple, and the counter is one key.
 */
const HIT_SCRIPT = `local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {hits, ttl}`;
const HIT_SHA = createHash('sha1').update(HIT_SCRIPT).digest('hex');

/** After Redis fails, count in memory for this long before trying it again (a hung Redis costs 1 s a call). */
const REDIS_PAUSE_AFTER_FAILURE_MS = 2_000;

export type RateLimitBackend = 'redis' | 'memory';
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * Counters shared by every API replica in Redis (on the shared fail-fast client, under REDIS_PREFIX),
 * failing open to per-process counters while Redis does not answer: a request is never refused or
 * delayed past the client's 1 s command timeout because the limiter's store is down.
 */
@Injectable()
export class RateLimitStore implements ThrottlerStorage {
  private readonly logger = new Logger(RateLimitStore.name);
  private readonly memory = new MemoryWindowCounter();
  private redisPausedUntil = 0;
  private degraded = false;

  constructor(@InjectRedis() private readonly redis: Redis) {}

  /** Where the next request will be counted. */
  get backend(): RateLimitBackend {
    return this.redisUsable() ? 'redis' : 'memory';
  }

  async increment(key: string, ttlMs: number, limit: number): Promise<ThrottlerStorageRecord> {
    const { hits, resetMs } = await this.hit(key, ttlMs);
    const resetSeconds = Math.max(1, Math.ceil(resetMs / 1000));
    const isBlocked = hits > limit;
    return { totalHits: hits, timeToExpire: resetSeconds, isBlocked, timeToBlockExpire: isBlocked ? resetSeconds : 0 };
  }

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    if (this.redisUsable()) {
      try {
        const [hits, resetMs] = (await this.evalHit(key, windowMs)) as [number, number];
        this.recovered();
        return { hits, resetMs };
      } catch (error) {
        this.failed(error);
      }
    } else if (this.redis.status !== 'ready') {
      this.markDegraded(`Redis connection is ${this.redis.status}`);
    }
    return this.memory.hit(key, windowMs);
  }

  /** Closes a counter's window (a successful login clears its failures). */
  async forget(key: string): Promise<void> {
    this.memory.forget(key);
    if (!this.redisUsable()) return;
    try {
      await this.redis.del(key);
    } catch (error) {
      this.failed(error);
    }
  }

  /** Current counts without counting (one pipelined round trip). */
  async peek(keys: string[]): Promise<WindowCount[]> {
    if (this.redisUsable()) {
      try {
        const pipeline = this.redis.pipeline();
        for (const key of keys) pipeline.get(key).pttl(key);
        const replies = (await pipeline.exec()) ?? [];
        const failure = replies.find(([error]) => error)?.[0];
        if (failure) throw failure;
        return keys.map((_, i) => {
          const hits = Number(replies[2 * i][1] ?? 0);
          const pttl = Number(replies[2 * i + 1][1]);
          return { hits, resetMs: hits > 0 && pttl > 0 ? pttl : 0 };
        });
      } catch (error) {
        this.failed(error);
      }
    }
    return keys.map((key) => this.memory.peek(key));
  }

  private async evalHit(key: string, windowMs: number): Promise<unknown> {
    try {
      return await this.redis.evalsha(HIT_SHA, 1, key, windowMs);
    } catch (error) {
      // First call after a Redis restart or SCRIPT FLUSH: send the script itself once.
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      return this.redis.eval(HIT_SCRIPT, 1, key, windowMs);
    }
  }

  private redisUsable(): boolean {
    return this.redis.status === 'ready' && Date.now() >= this.redisPausedUntil;
  }

  private failed(error: unknown): void {
    this.redisPausedUntil = Date.now() + REDIS_PAUSE_AFTER_FAILURE_MS;
    this.markDegraded(error instanceof Error ? error.message : String(error));
  }

  private markDegraded(reason: string): void {
    if (this.degraded) return;
    this.degraded = true;
    this.logger.warn(`Rate limits fall back to per-process counters until Redis answers again (${reason})`);
  }

  private recovered(): void {
    if (!this.degraded) return;
    this.degraded = false;
    this.logger.log('Redis answers again: rate limits are shared across replicas again');
  }
}
