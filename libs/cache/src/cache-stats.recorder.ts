import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { CACHE_TYPES, CacheType } from '@app/config';
import { withTimeout } from '@app/common';
import { MetricsService } from '@app/observability';
import { InjectRedis } from '@app/redis';
import { CACHE_KEYS, CacheKeys } from './cache-keys';

export const COUNTERS = ['hits', 'local_hits', 'misses', 'loads', 'load_ms', 'invalidations', 'errors'] as const;
export type Counter = (typeof COUNTERS)[number];
export type Counters = Record<Counter, number>;

const FLUSH_EVERY_MS = 500;

/**
 * Counts cache requests for `GET /system/cache-stats` (in Redis: one hash per type, HINCRBY, so the
 * figures cover every replica and outlive a restart) and for this process's Prometheus metrics.
 * Increments are summed in memory and flushed in one pipeline every 500 ms, not one command per read.
 */
@Injectable()
export class CacheStatsRecorder implements OnApplicationShutdown {
  private readonly logger = new Logger(CacheStatsRecorder.name);
  private pending = new Map<CacheType, Partial<Counters>>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    @InjectRedis() private readonly redis: Redis,
    @Inject(CACHE_KEYS) private readonly keys: CacheKeys,
    private readonly metrics: MetricsService,
  ) {
    this.timer = setInterval(() => void this.flush(), FLUSH_EVERY_MS);
    this.timer.unref();
  }

  /** A hit, from Redis or from this process's local tier (counted in both `hits` and `local_hits`). */
  hit(type: CacheType, tier: 'redis' | 'local' = 'redis'): void {
    this.add(type, 'hits', 1);
    this.metrics.cacheRequests.inc({ type, result: 'hit' });
    if (tier === 'local') {
      this.add(type, 'local_hits', 1);
      this.metrics.cacheLocalHits.inc({ type });
    }
  }

  miss(type: CacheType): void {
    this.add(type, 'misses', 1);
    this.metrics.cacheRequests.inc({ type, result: 'miss' });
  }

  /** A read that could not use Redis and went to PostgreSQL instead. */
  error(type: CacheType): void {
    this.add(type, 'errors', 1);
    this.metrics.cacheRequests.inc({ type, result: 'error' });
  }

  loaded(type: CacheType, ms: number): void {
    this.add(type, 'loads', 1);
    this.add(type, 'load_ms', Math.round(ms));
    this.metrics.cacheLoadDuration.observe({ type }, ms / 1000);
  }

  invalidated(type: CacheType): void {
    this.add(type, 'invalidations', 1);
    this.metrics.cacheInvalidations.inc({ type });
  }

  /** Writes the pending increments; kept for the next flush while Redis does not answer. */
  async flush(): Promise<void> {
    if (!this.pending.size) return;
    const batch = this.pending;
    this.pending = new Map();
    const pipeline = this.redis.pipeline();
    pipeline.set(this.keys.statsSince(), Date.now(), 'NX');
    for (const [type, counters] of batch) {
      for (const [field, n] of Object.entries(counters)) pipeline.hincrby(this.keys.stats(type), field, n);
    }
    try {
      await withTimeout(pipeline.exec(), 1_000);
    } catch (error) {
      for (const [type, counters] of batch) {
        for (const [field, n] of Object.entries(counters)) this.add(type, field as Counter, n);
      }
      this.logger.debug(`cache stats not flushed: ${(error as Error).message}`);
    }
  }

  /** Counters of every type as stored in Redis, and since when they count. */
  async read(): Promise<{ since: number | null; counters: Record<CacheType, Counters> }> {
    await this.flush();
    const pipeline = this.redis.pipeline();
    pipeline.get(this.keys.statsSince());
    for (const type of CACHE_TYPES) pipeline.hgetall(this.keys.stats(type));
    const results = (await withTimeout(pipeline.exec(), 2_000)) ?? [];
    const failed = results.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
    const since = results[0][1] as string | null;
    const counters = Object.fromEntries(
      CACHE_TYPES.map((type, i) => {
        const hash = results[i + 1][1] as Record<string, string>;
        return [type, Object.fromEntries(COUNTERS.map((c) => [c, Number(hash[c] ?? 0)])) as Counters];
      }),
    ) as Record<CacheType, Counters>;
    return { since: since === null ? null : Number(since), counters };
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private add(type: CacheType, counter: Counter, n: number): void {
    let counters = this.pending.get(type);
    if (!counters) this.pending.set(type, (counters = {}));
    counters[counter] = (counters[counter] ?? 0) + n;
  }
}
