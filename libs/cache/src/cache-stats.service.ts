import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig, CACHE_TYPES, CacheType } from '@app/config';
import { withTimeout } from '@app/common';
import { InjectRedis } from '@app/redis';
import { CACHE_KEYS, CacheKeys } from './cache-keys';
import { CacheStatsRecorder, COUNTERS, Counters } from './cache-stats.recorder';
import { CacheService } from './cache.service';

export interface CacheFigures {
  hits: number;
  local_hits: number;
  misses: number;
  hit_rate: number | null;
  loads: number;
  mean_load_ms: number | null;
  invalidations: number;
  errors: number;
  keys: number;
  bytes: number;
}
export interface CacheTypeStats extends CacheFigures {
  type: CacheType;
  ttl_seconds: number;
  generation: number;
}
export interface CacheStatsReport {
  enabled: boolean;
  window: { since: string | null; seconds: number | null };
  redis: { status: 'up' | 'down'; used_memory_bytes: number | null };
  types: CacheTypeStats[];
  totals: CacheFigures;
}

/** Keys counted per type at most (SCAN + MEMORY USAGE is for an admin page, not a hot path). */
const MAX_KEYS_MEASURED = 10_000;

/** The figures of `GET /system/cache-stats`: counters of every replica, key counts and sizes, Redis memory. */
@Injectable()
export class CacheStatsService {
  constructor(
    private readonly config: AppConfig,
    private readonly cache: CacheService,
    private readonly recorder: CacheStatsRecorder,
    @InjectRedis() private readonly redis: Redis,
    @Inject(CACHE_KEYS) private readonly keys: CacheKeys,
  ) {}

  async report(): Promise<CacheStatsReport> {
    const { enabled, ttlMs } = this.config.cache;
    try {
      const [{ since, counters }, generations, sizes, memory] = await Promise.all([
        this.recorder.read(),
        this.cache.generations(CACHE_TYPES),
        Promise.all(CACHE_TYPES.map((type) => this.measure(type))),
        this.usedMemory(),
      ]);
      const types = CACHE_TYPES.map((type, i) => ({
        type,
        ttl_seconds: Math.round(ttlMs[type] / 1000),
        generation: generations[i],
        ...figures(counters[type], sizes[i]),
      }));
      const sum = (field: keyof Counters) => CACHE_TYPES.reduce((n, t) => n + counters[t][field], 0);
      const totalCounters = Object.fromEntries(COUNTERS.map((f) => [f, sum(f)])) as Counters;
      const totalSize = sizes.reduce((a, s) => ({ keys: a.keys + s.keys, bytes: a.bytes + s.bytes }), {
        keys: 0,
        bytes: 0,
      });
      return {
        enabled,
        window: {
          since: since ? new Date(since).toISOString() : null,
          seconds: since ? Math.round((Date.now() - since) / 1000) : null,
        },
        redis: { status: 'up', used_memory_bytes: memory },
        types,
        totals: figures(totalCounters, totalSize),
      };
    } catch {
      return this.redisDown();
    }
  }

  /** Counters live in Redis: while it is down only the configuration is known. */
  private redisDown(): CacheStatsReport {
    const none = figures(
      { hits: 0, local_hits: 0, misses: 0, loads: 0, load_ms: 0, invalidations: 0, errors: 0 },
      { keys: 0, bytes: 0 },
    );
    return {
      enabled: this.config.cache.enabled,
      window: { since: null, seconds: null },
      redis: { status: 'down', used_memory_bytes: null },
      types: CACHE_TYPES.map((type) => ({
        type,
        ttl_seconds: Math.round(this.config.cache.ttlMs[type] / 1000),
        generation: 0,
        ...none,
      })),
      totals: none,
    };
  }

  private async measure(type: CacheType): Promise<{ keys: number; bytes: number }> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await withTimeout(
        this.redis.scan(cursor, 'MATCH', this.keys.entryPattern(type), 'COUNT', 1000),
        2_000,
      );
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0' && found.length < MAX_KEYS_MEASURED);
    if (!found.length) return { keys: 0, bytes: 0 };
    const pipeline = this.redis.pipeline();
    for (const key of found) pipeline.memory('USAGE', key);
    const results = (await withTimeout(pipeline.exec(), 2_000)) ?? [];
    const bytes = results.reduce((n, [error, size]) => n + (error ? 0 : Number(size ?? 0)), 0);
    return { keys: found.length, bytes };
  }

  private async usedMemory(): Promise<number | null> {
    const info = await withTimeout(this.redis.info('memory'), 2_000);
    const match = /used_memory:(\d+)/.exec(info);
    return match ? Number(match[1]) : null;
  }
}

function figures(c: Counters, size: { keys: number; bytes: number }): CacheFigures {
  const reads = c.hits + c.misses;
  return {
    hits: c.hits,
    local_hits: c.local_hits,
    misses: c.misses,
    hit_rate: reads ? Math.round((c.hits / reads) * 10_000) / 10_000 : null,
    loads: c.loads,
    mean_load_ms: c.loads ? Math.round((c.load_ms / c.loads) * 10) / 10 : null,
    invalidations: c.invalidations,
    errors: c.errors,
    keys: size.keys,
    bytes: size.bytes,
  };
}
