import { once } from 'node:events';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig, CACHE_TYPES, CacheType } from '@app/config';
import { withTimeout } from '@app/common';
import { InjectRedis } from '@app/redis';
import { CacheParams } from './cache-keys';
import { CacheService, Loader } from './cache.service';

/**
 * Refresh-ahead: the reads registered here (the default page of each list, the stats) are computed at
 * start-up, prefilled under the next generation by a local write (CacheService), and recomputed in the
 * background after another process's invalidation (e.g. the worker's), so the first reader after a
 * write finds them cached. Only the processes that serve the reads register them (the API).
 */
@Injectable()
export class CacheWarmer implements OnApplicationBootstrap {
  private readonly logger = new Logger(CacheWarmer.name);

  constructor(
    private readonly config: AppConfig,
    private readonly cache: CacheService,
    @InjectRedis() private readonly redis: Redis,
  ) {
    cache.onInvalidated((types) => {
      if (this.config.cache.warmup) void this.warm(types);
    });
  }

  register<T>(type: CacheType, params: CacheParams, load: Loader<T>): void {
    this.cache.registerWarmup(type, params, load);
  }

  onApplicationBootstrap(): void {
    if (!this.config.cache.warmup || !CACHE_TYPES.some((type) => this.cache.warmupsOf(type).length)) return;
    // The shared client may still be connecting at start-up; warm once it is ready (or give up after 10 s).
    const ready = this.redis.status === 'ready' ? Promise.resolve() : withTimeout(once(this.redis, 'ready'), 10_000);
    ready.then(
      () => this.warm(CACHE_TYPES),
      () => this.logger.warn('cache warm-up at start-up skipped: Redis not ready within 10 s'),
    );
  }

  /** Warms the types' registered reads; resolves with the number of entries this process loaded. */
  async warm(types: readonly CacheType[]): Promise<number> {
    const jobs = types.flatMap((type) =>
      this.cache.warmupsOf(type).map(({ params, load }) => this.cache.warm(type, params, load)),
    );
    const loaded = (await Promise.all(jobs)).filter(Boolean).length;
    if (loaded) this.logger.debug(`cache warm-up loaded ${loaded} entries of ${types.join(', ')}`);
    return loaded;
  }
}
