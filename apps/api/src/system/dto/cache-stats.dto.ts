import { ApiProperty } from '@nestjs/swagger';
import { CACHE_TYPES, CacheType } from '@app/config';
import type { CacheFigures, CacheStatsReport, CacheTypeStats } from '@app/cache';

export class CacheFiguresDto implements CacheFigures {
  @ApiProperty({ description: "Reads answered from the cache: Redis or a process's in-memory tier" })
  hits!: number;
  @ApiProperty({
    description: 'Of those hits, the ones answered from the in-process tier (after reading the generation from Redis)',
  })
  local_hits!: number;
  @ApiProperty({ description: 'Reads that found no entry (they loaded it, or joined a load in progress)' })
  misses!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'hits / (hits + misses); null before the first read' })
  hit_rate!: number | null;
  @ApiProperty({ description: 'Entries computed from PostgreSQL (misses and warm-ups)' })
  loads!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Mean time of one load' })
  mean_load_ms!: number | null;
  @ApiProperty({ description: 'Generation bumps (writes, ingests, admin drops)' })
  invalidations!: number;
  @ApiProperty({ description: 'Reads that could not use Redis and were answered from PostgreSQL' })
  errors!: number;
  @ApiProperty({ description: 'Entries in Redis, every generation until their TTL ends (first 10,000 counted)' })
  keys!: number;
  @ApiProperty({ description: 'Memory of those entries (MEMORY USAGE)' })
  bytes!: number;
}

export class CacheTypeStatsDto extends CacheFiguresDto implements CacheTypeStats {
  @ApiProperty({ enum: CACHE_TYPES })
  type!: CacheType;
  @ApiProperty()
  ttl_seconds!: number;
  @ApiProperty({ description: 'Current generation of the type (each invalidation adds one)' })
  generation!: number;
}

export class CacheWindowDto {
  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'When the counters started' })
  since!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Seconds the counters cover' })
  seconds!: number | null;
}

export class CacheRedisDto {
  @ApiProperty({ enum: ['up', 'down'] })
  status!: 'up' | 'down';
  @ApiProperty({ type: Number, nullable: true, description: 'Redis used_memory (whole server)' })
  used_memory_bytes!: number | null;
}

export class CacheStatsDto implements CacheStatsReport {
  @ApiProperty({ description: 'False when CACHE_ENABLED=false (every read goes to PostgreSQL)' })
  enabled!: boolean;
  @ApiProperty({ type: CacheWindowDto })
  window!: CacheWindowDto;
  @ApiProperty({ type: CacheRedisDto })
  redis!: CacheRedisDto;
  @ApiProperty({ type: [CacheTypeStatsDto] })
  types!: CacheTypeStatsDto[];
  @ApiProperty({ type: CacheFiguresDto })
  totals!: CacheFiguresDto;
}
