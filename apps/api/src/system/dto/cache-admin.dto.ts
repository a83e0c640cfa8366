import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsOptional } from 'class-validator';
import { CACHE_TYPES, CacheType } from '@app/config';

export class CacheWarmupDto {
  @ApiPropertyOptional({ enum: CACHE_TYPES, isArray: true, description: 'Default: every type' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(CACHE_TYPES.length)
  @IsIn(CACHE_TYPES, { each: true })
  types?: CacheType[];
}

export class CacheWarmupResultDto {
  @ApiProperty({ enum: CACHE_TYPES, isArray: true })
  types!: CacheType[];
  @ApiProperty({ description: 'Entries this call computed (0 when they were already cached)' })
  loaded!: number;
}

export class CacheDropResultDto {
  @ApiProperty({ enum: CACHE_TYPES })
  type!: CacheType;
  @ApiProperty({ description: 'The type generation after the drop' })
  generation!: number;
}
