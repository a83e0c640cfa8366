import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimitStore } from './rate-limit.store';

/** Only what the store calls: connection status and the script commands. */
function fakeRedis(overrides: Partial<Record<'status' | 'evalsha' | 'eval', unknown>> = {}) {
  return {
    status: 'ready',
    evalsha: jest.fn().mockResolvedValue([1, 60_000]),
    eval: jest.fn().mockResolvedValue([1, 60_000]),
    ...overrides,
  };
}
const storeOn = (redis: ReturnType<typeof fakeRedis>) => new RateLimitStore(redis as unknown as Redis);

describe(RateLimitStore.name, () => {
  beforeAll(() => Logger.overrideLogger(false)); // the fail-open warning is expected here

  it('counts with one EVALSHA of the hit script and reports seconds to the reset', async () => {
    const redis = fakeRedis({ evalsha: jest.fn().mockResolvedValue([4, 12_300]) });
    const record = await storeOn(redis).increment('k', 60_000, 3);
    expect(redis.evalsha).toHaveBeenCalledTimes(1);
    expect(redis.evalsha).toHaveBeenCalledWith(expect.stringMatching(/^[0-9a-f]{40}$/), 1, 'k', 60_000);
    expect(record).toEqual({ totalHits: 4, timeToExpire: 13, isBlocked: true, timeToBlockExpire: 13 });
  });

  it('sends the script itself once when Redis does not know it yet (NOSCRIPT)', async () => {
    const redis = fakeRedis({ evalsha: jest.fn().mockRejectedValue(new Error('NOSCRIPT No matching script')) });
    const record = await storeOn(redis).increment('k', 60_000, 3);
    expect(redis.eval).toHaveBeenCalledWith(expect.stringContaining("redis.call('INCR'"), 1, 'k', 60_000);
    expect(record).toMatchObject({ totalHits: 1, isBlocked: false, timeToBlockExpire: 0 });
  });

  it('fails open to per-process counters when Redis errors, then leaves it alone for a while', async () => {
    const redis = fakeRedis({ evalsha: jest.fn().mockRejectedValue(new Error('Command timed out')) });
    const store = storeOn(redis);
    const hits = [];
    for (let i = 0; i < 3; i++) hits.push(await store.increment('k', 60_000, 2));
    expect(hits.map((h) => [h.totalHits, h.isBlocked])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    expect(redis.evalsha).toHaveBeenCalledTimes(1); // one timeout, not one per request
    expect(store.backend).toBe('memory');
  });

  it('does not call Redis while its connection is down', async () => {
    const redis = fakeRedis({ status: 'reconnecting' });
    const store = storeOn(redis);
    expect((await store.increment('k', 60_000, 5)).totalHits).toBe(1);
    expect(redis.evalsha).not.toHaveBeenCalled();
    expect(store.backend).toBe('memory');
  });
});
