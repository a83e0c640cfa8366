import { CacheModule as NestCacheModule } from '@nestjs/cache-manager';
import { Module } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { MetricsModule } from '@app/observability';
import { CacheInvalidationBus } from './cache-invalidation.bus';
import { CACHE_KEYS, CacheKeys } from './cache-keys';
import { CacheStatsRecorder } from './cache-stats.recorder';
import { CacheStatsService } from './cache-stats.service';
import { createCacheStore } from './cache-store';
import { CacheService } from './cache.service';
import { CacheWarmer } from './cache-warmer';

/** Cached reads, invalidation, warm-up and stats; imported by the API features and the worker. */
@Module({
  imports: [
    MetricsModule,
    NestCacheModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ stores: [createCacheStore(config)] }),
    }),
  ],
  providers: [
    { provide: CACHE_KEYS, inject: [AppConfig], useFactory: (config: AppConfig) => new CacheKeys(config.redis.prefix) },
    CacheStatsRecorder,
    CacheInvalidationBus,
    CacheService,
    CacheWarmer,
    CacheStatsService,
  ],
  exports: [CacheService, CacheWarmer, CacheStatsService],
})
export class CacheModule {}
