import { createHash } from 'node:crypto';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { InjectRedis } from '@app/redis';
import { FAIR_BAND, SYNC_QUEUE, toBullPriority } from './sync-queue.constants';

/**
 * Start-time fair queueing over BullMQ priorities, one Redis script per enqueue batch. Per API priority
 * level a hash keeps `floor` (the round of the first job waiting at that level) and each user's last
 * round. A task gets round max(floor, user's last + 1): a user with 50 queued tasks holds rounds
 * n … n+49, another user's first task takes round `floor`, so it waits behind at most one task per
 * active user. BullMQ orders equal priorities by insertion, so rounds interleave users round-robin.
 * A level with nothing waiting (and no enqueue for QUIET_MS, so an add in flight is not missed) starts
 * again at round 1; the hash expires when the level is idle for a week.
 * KEYS[1]: BullMQ's prioritized set (score = priority × 2^32 + insertion counter); KEYS[2…]: one hash
 * per level. ARGV: band width, quiet ms, ttl s, then per task: its level's KEYS index, band start, user id.
 */
const FAIR_ROUNDS = `
local SHIFT = 4294967296
local band, quietMs, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local seen, out = {}, {}
for i = 4, #ARGV, 3 do
  local key, base, user = KEYS[tonumber(ARGV[i])], tonumber(ARGV[i + 1]), 'u:' .. ARGV[i + 2]
  if not seen[key] then
    seen[key] = true
    local first = redis.call('ZRANGEBYSCORE', KEYS[1], string.format('%.0f', (base + 1) * SHIFT),
      '(' .. string.format('%.0f', (base + band) * SHIFT), 'WITHSCORES', 'LIMIT', 0, 1)
    if first[2] then
      redis.call('HSET', key, 'floor', math.floor(tonumber(first[2]) / SHIFT) - base)
    elseif now - tonumber(redis.call('HGET', key, 'at') or 0) > quietMs then
      redis.call('DEL', key)
    end
    redis.call('HSET', key, 'at', now)
    redis.call('EXPIRE', key, ttl)
  end
  local floor = tonumber(redis.call('HGET', key, 'floor') or 1)
  local round = math.max(floor, tonumber(redis.call('HGET', key, user) or 0) + 1)
  if round > band - 1 then round = band - 1 end
  redis.call('HSET', key, user, round)
  out[#out + 1] = round
end
return out`;
const FAIR_ROUNDS_SHA = createHash('sha1').update(FAIR_ROUNDS).digest('hex');

/** An add that started this recently may not have reached Redis yet: its level is not reset under it. */
const QUIET_MS = 2_000;
const TTL_S = 7 * 86_400;

export interface FairShareRequest {
  userId: number;
  /** API priority 1–10. */
  priority: number;
}

/** BullMQ priorities that share each API priority level round-robin across users (see FAIR_ROUNDS). */
@Injectable()
export class FairShare {
  constructor(
    @InjectQueue(SYNC_QUEUE) private readonly queue: Queue,
    @InjectRedis() private readonly redis: Redis,
  ) {}

  /** One BullMQ priority per request, in order; the rounds are taken in that order too. */
  async bullPriorities(requests: FairShareRequest[]): Promise<number[]> {
    if (!requests.length) return [];
    const levels = [...new Set(requests.map((r) => r.priority))];
    const keys = [this.queue.keys.prioritized, ...levels.map((level) => `${this.queue.qualifiedName}:fair:${level}`)];
    const args = [
      FAIR_BAND,
      QUIET_MS,
      TTL_S,
      ...requests.flatMap((r) => [levels.indexOf(r.priority) + 2, toBullPriority(r.priority, 1) - 1, r.userId]),
    ];
    const rounds = (await this.evalRounds(keys, args)) as number[];
    return requests.map((r, i) => toBullPriority(r.priority, Number(rounds[i])));
  }

  private async evalRounds(keys: string[], args: number[]): Promise<unknown> {
    try {
      return await this.redis.evalsha(FAIR_ROUNDS_SHA, keys.length, ...keys, ...args);
    } catch (error) {
      // First call after a Redis restart or SCRIPT FLUSH: send the script itself once.
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      return this.redis.eval(FAIR_ROUNDS, keys.length, ...keys, ...args);
    }
  }
}
