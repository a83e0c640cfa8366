import { Injectable } from '@nestjs/common';
import { CacheService, CacheStatsReport, CacheStatsService, CacheWarmer } from '@app/cache';
import { DomainError } from '@app/common';
import { CACHE_TYPES, CacheType } from '@app/config';
import { CacheDropResultDto, CacheWarmupResultDto } from './dto/cache-admin.dto';

@Injectable()
export class CacheAdminService {
  constructor(
    private readonly cache: CacheService,
    private readonly warmer: CacheWarmer,
    private readonly stats: CacheStatsService,
  ) {}

  report(): Promise<CacheStatsReport> {
    return this.stats.report();
  }

  async warmup(types: CacheType[] = [...CACHE_TYPES]): Promise<CacheWarmupResultDto> {
    return { types, loaded: await this.warmer.warm(types) };
  }

  async drop(type: string): Promise<CacheDropResultDto> {
    if (!isCacheType(type)) {
      throw new DomainError('NOT_FOUND', `Unknown cache type ${type}`, { type, known: CACHE_TYPES });
    }
    await this.cache.invalidate(type);
    const [generation] = await this.cache.generations([type]).catch(() => [0]);
    return { type, generation };
  }
}

function isCacheType(value: string): value is CacheType {
  return (CACHE_TYPES as readonly string[]).includes(value);
}
