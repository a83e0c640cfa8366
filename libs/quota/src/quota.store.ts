import { Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '@app/config';
import { InjectRedis } from '@app/redis';

/**
 * Atomic reserve, for many tasks in one call: per task, a sorted set of its user's in-flight task ids
 * (score = reservation time). Admits the task only while the set holds fewer than its limit ids;
 * re-reserving an id already held is a no-op success, so a retried request never takes two slots.
 * Tasks are decided in order and the script runs atomically, so one user's reservations never race.
 * KEYS[i]: the quota set of task i; ARGV[1]: now; ARGV[2i], ARGV[2i+1]: task i's id and limit.
 * Answers per task: the set's size after admitting it, or -1 - size when refused. (The keys span
 * users, so this needs one Redis, not a cluster.)
 */
const RESERVE_MANY = `
local out = {}
for i = 1, #KEYS do
  local key, id = KEYS[i], ARGV[2 * i]
  if redis.call('ZSCORE', key, id) then
    out[i] = redis.call('ZCARD', key)
  else
    local n = redis.call('ZCARD', key)
    if n >= tonumber(ARGV[2 * i + 1]) then
      out[i] = -1 - n
    else
      redis.call('ZADD', key, ARGV[1], id)
      out[i] = n + 1
    end
  end
end
return out`;

export interface ReserveRequest {
  userId: number;
  taskId: string;
  limit: number;
}

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

  /** Reserves for many tasks (any users) in one round trip; one result per request, in order. */
  async reserveMany(requests: ReserveRequest[]): Promise<ReserveResult[]> {
    if (!requests.length) return [];
    const args = [String(Date.now()), ...requests.flatMap((r) => [r.taskId, String(r.limit)])];
    const keys = requests.map((r) => this.key(r.userId));
    const answers = (await this.redis.eval(RESERVE_MANY, keys.length, ...keys, ...args)) as number[];
    return answers.map((raw) => {
      const n = Number(raw);
      return n < 0 ? { admitted: false, inFlight: -1 - n } : { admitted: true, inFlight: n };
    });
  }

  /** Idempotent: releasing twice (or a task never reserved) changes nothing. */
  async release(userId: number, taskId: string): Promise<void> {
    await this.redis.zrem(this.key(userId), taskId);
  }

  /** Adds in-flight tasks missing from the set (e.g. accepted while Redis was down). */
  async ensureHeld(userId: number, taskIds: string[]): Promise<void> {
    for (const ids of chunks(taskIds)) {
      await this.redis.zadd(this.key(userId), 'NX', ...ids.flatMap((id) => [String(Date.now()), id]));
    }
  }

  /** Ids reserved before `olderThanMs` ago: candidates for repair (younger ones may still be mid-insert). */
  async settledIds(userId: number, olderThanMs: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.key(userId), 0, Date.now() - olderThanMs);
  }

  async drop(userId: number, taskIds: string[]): Promise<void> {
    for (const ids of chunks(taskIds)) await this.redis.zrem(this.key(userId), ...ids);
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

/**
 * Ids per ZADD/ZREM: a set as large as a raised quota allows (tens of thousands of ids in one command)
 * would block Redis, and spreading that many arguments overflows the stack inside ioredis, which on the
 * auto-pipelined client corrupts the pipeline the command was joining.
 */
const IDS_PER_COMMAND = 1_000;

function chunks(ids: string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_COMMAND) out.push(ids.slice(i, i + IDS_PER_COMMAND));
  return out;
}
