import { Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '@app/config';
import { InjectRedis } from '@app/redis';

/**
 * Atomic reserve: a sorted set of the user's in-flight task ids (score = reservation time).
 * Admits the task only while the set holds fewer than `limit` ids; re-reserving an id
 * already held is a no-op success, so a retried request never takes two slots.
 */
const RESERVE = `
local held = redis.call('ZSCORE', KEYS[1], ARGV[1])
if held then return redis.call('ZCARD', KEYS[1]) end
local n = redis.call('ZCARD', KEYS[1])
if n >= tonumber(ARGV[2]) then return -1 - n end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return n + 1`;

export type ReserveResult = { admitted: true; inFlight: number } | { admitted: false; inFlight: number };

/** Redis side of the quota: reserve, release, and repair from PostgreSQL (the truth). */
@Injectable()
export class QuotaStore {
  constructor(
    @InjectRedis() private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  key(userId: number): string {
    return `${this.config.redis.prefix}:quota:${userId}`;
  }

  async reserve(userId: number, taskId: string, limit: number): Promise<ReserveResult> {
    const n = Number(await this.redis.eval(RESERVE, 1, this.key(userId), taskId, String(limit), String(Date.now())));
    return n < 0 ? { admitted: false, inFlight: -1 - n } : { admitted: true, inFlight: n };
  }

  /** Idempotent: releasing twice (or a task never reserved) changes nothing. */
  async release(userId: number, taskId: string): Promise<void> {
    await this.redis.zrem(this.key(userId), taskId);
  }

  /** Adds in-flight tasks missing from the set (e.g. accepted while Redis was down). */
  async ensureHeld(userId: number, taskIds: string[]): Promise<void> {
    if (!taskIds.length) return;
    await this.redis.zadd(this.key(userId), 'NX', ...taskIds.flatMap((id) => [String(Date.now()), id]));
  }

  /** Ids reserved before `olderThanMs` ago: candidates for repair (younger ones may still be mid-insert). */
  async settledIds(userId: number, olderThanMs: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.key(userId), 0, Date.now() - olderThanMs);
  }

  async drop(userId: number, taskIds: string[]): Promise<void> {
    if (taskIds.length) await this.redis.zrem(this.key(userId), ...taskIds);
  }

  /** Users that have a quota set in Redis. */
  async userIds(): Promise<number[]> {
    const ids: number[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.config.redis.prefix}:quota:*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) ids.push(Number(key.slice(key.lastIndexOf(':') + 1)));
    } while (cursor !== '0');
    return ids.filter((id) => Number.isInteger(id));
  }
}
