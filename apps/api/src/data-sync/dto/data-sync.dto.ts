import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { DATA_DOMAINS, FILE_STATUSES, GRANULARITIES, TASK_STATUSES } from '@app/db';
import { CatalogFilter, PendingFilter, PRIORITY_DEFAULT, PRIORITY_MAX, PRIORITY_MIN } from '@app/sync-tasks';
import { PageQueryDto } from '../../common/page-query.dto';

export class FileQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: FILE_STATUSES })
  @IsOptional()
  @IsIn(FILE_STATUSES)
  status?: (typeof FILE_STATUSES)[number];
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(32) platform?: string;
  @ApiPropertyOptional({ enum: DATA_DOMAINS }) @IsOptional() @IsIn(DATA_DOMAINS) domain?: (typeof DATA_DOMAINS)[number];
  @ApiPropertyOptional({ enum: GRANULARITIES })
  @IsOptional()
  @IsIn(GRANULARITIES)
  granularity?: (typeof GRANULARITIES)[number];
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) shop_id?: string;

  toFilter(): CatalogFilter {
    const { status, platform, domain: dataDomain, granularity, shop_id: shopId } = this;
    return { status, platform, dataDomain, granularity, shopId };
  }
}

export class ScanDto {
  @ApiPropertyOptional({ description: 'directory to scan; default DATA_DIR/samples' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  dir?: string;
}

export class PriorityDto {
  @ApiPropertyOptional({
    minimum: PRIORITY_MIN,
    maximum: PRIORITY_MAX,
    default: PRIORITY_DEFAULT,
    description: '10 runs first',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(PRIORITY_MIN)
  @Max(PRIORITY_MAX)
  priority?: number;
}

export class SingleSyncDto extends PriorityDto {
  @ApiProperty()
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  file_id!: number;
}

export class BatchFilterDto extends PriorityDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(32) platform?: string;

  @ApiPropertyOptional({ enum: DATA_DOMAINS, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(DATA_DOMAINS.length)
  @IsIn(DATA_DOMAINS, { each: true })
  domains?: (typeof DATA_DOMAINS)[number][];

  @ApiPropertyOptional({ enum: GRANULARITIES, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(GRANULARITIES.length)
  @IsIn(GRANULARITIES, { each: true })
  granularities?: (typeof GRANULARITIES)[number][];

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) shop_id?: string;

  @ApiPropertyOptional({ description: 'only files registered in the last N hours', minimum: 1, maximum: 8760 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(8760)
  since_hours?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  toFilter(): PendingFilter {
    return {
      platform: this.platform,
      domains: this.domains,
      granularities: this.granularities,
      shopId: this.shop_id,
      sinceHours: this.since_hours,
    };
  }
}

export class BatchByIdsDto extends PriorityDto {
  @ApiProperty({ type: [Number], minItems: 1, maxItems: 1000 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(2_147_483_647, { each: true })
  file_ids!: number[];
}

export const MAX_TASK_IDS_PER_QUERY = 100;

export class TaskQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: TASK_STATUSES })
  @IsOptional()
  @IsIn(TASK_STATUSES)
  status?: (typeof TASK_STATUSES)[number];

  @ApiPropertyOptional({
    type: String,
    description:
      `Comma-separated task ids (at most ${MAX_TASK_IDS_PER_QUERY}): exactly these tasks, in this order, in one page; ` +
      'ids of tasks you may not see are left out. Paging parameters are ignored.',
    example: '0b9e6a52-5f0e-4d55-9a55-3f1f8f5b2c11,6c1d0a0e-8a5e-4f57-b1f4-4f5b8a9d2e10',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    (Array.isArray(value) ? (value as unknown[]) : [value]).flatMap((v): unknown[] =>
      typeof v === 'string' ? v.split(',').map((id) => id.trim()) : [v],
    ),
  )
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_TASK_IDS_PER_QUERY)
  @IsUUID('4', { each: true, message: 'each of ids must be a task id (UUID)' })
  ids?: string[];
}
