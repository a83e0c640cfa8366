import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { matching, PAGE_FIELDS, queryBoolean, readCommonQuery, textUpTo } from '../../common/common-query';
import { MAX_INT4 } from '../../common/id.pipe';
import { PageQueryDto } from '../../common/page-query.dto';
import { ToBoolean } from '../../common/transforms';

const PLATFORM = /^[a-z][a-z0-9_-]{1,31}$/;

export class CreateAccountDto {
  @ApiProperty({ example: 'shopee' })
  @Matches(PLATFORM, { message: 'platform must be lower-case letters, digits, _ or -' })
  platform!: string;

  @ApiProperty({ example: 'sg_1001' })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  shop_id!: string;

  @ApiProperty({ example: 'Shopee SG flagship' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @ApiPropertyOptional({ example: 'SG' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  region?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  login_name?: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_INT4)
  owner_user_id?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  notes?: string;
}

export class UpdateAccountDto extends PartialType(CreateAccountDto) {}

export class AccountQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(PLATFORM)
  platform?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ description: 'matches name, shop id or login name' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;

  /** The cached list's hot path (`ParsesCommonQuery`): the same rules as the decorators above. */
  static parseCommonQuery(query: unknown): AccountQueryDto | undefined {
    return readCommonQuery(new AccountQueryDto(), query, ACCOUNT_QUERY_FIELDS);
  }
}

const ACCOUNT_QUERY_FIELDS = { ...PAGE_FIELDS, platform: matching(PLATFORM), enabled: queryBoolean, q: textUpTo(100) };

export class AccountDto {
  @ApiProperty() id!: number;
  @ApiProperty() platform!: string;
  @ApiProperty() shop_id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) region!: string | null;
  @ApiProperty({ nullable: true, type: String }) login_name!: string | null;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ nullable: true, type: Number }) owner_user_id!: number | null;
  @ApiProperty({ nullable: true, type: String }) notes!: string | null;
  @ApiProperty() created_at!: Date;
  @ApiProperty() updated_at!: Date;
}

export class AccountPageDto {
  @ApiProperty({ type: [AccountDto] }) items!: AccountDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() page_size!: number;
}

export class AccountStatsDto {
  @ApiProperty() total!: number;
  @ApiProperty() active!: number;
  @ApiProperty() inactive!: number;
  @ApiProperty() platforms!: number;
  @ApiProperty({ description: 'accounts per platform: {total, active, inactive}' })
  platform_breakdown!: Record<string, { total: number; active: number; inactive: number }>;
  @ApiProperty({ description: 'accounts per region' }) by_region!: Record<string, number>;
  @ApiProperty({ description: 'catalog files and ingested rows per platform' })
  ingest!: Record<string, { files: number; files_by_status: Record<string, number>; rows_ingested: number }>;
}
