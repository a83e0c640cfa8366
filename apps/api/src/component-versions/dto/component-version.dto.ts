import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { MAX_INT4 } from '../../common/id.pipe';
import { PAGE_FIELDS, queryBoolean, readCommonQuery, textUpTo } from '../../common/common-query';
import { PageQueryDto } from '../../common/page-query.dto';
import { ToBoolean } from '../../common/transforms';

export class CreateComponentVersionDto {
  @ApiProperty({ example: 'shopee' })
  @Matches(/^[a-z][a-z0-9_-]{1,31}$/, { message: 'platform must be lower-case letters, digits, _ or -' })
  platform!: string;

  @ApiProperty({ example: 'orders_export' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  component!: string;

  @ApiProperty({ example: '1.4.2' })
  @IsString()
  @MinLength(1)
  @MaxLength(50)
  version!: string;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  is_stable?: boolean;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  is_active?: boolean;

  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_INT4)
  usage_count?: number;

  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_INT4)
  success_count?: number;
}

export class UpdateComponentVersionDto extends PartialType(CreateComponentVersionDto) {}

export class ComponentVersionQueryDto extends PageQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(32) platform?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) component?: string;
  @ApiPropertyOptional() @IsOptional() @ToBoolean() @IsBoolean() active?: boolean;

  /** The cached list's hot path (`ParsesCommonQuery`): the same rules as the decorators above. */
  static parseCommonQuery(query: unknown): ComponentVersionQueryDto | undefined {
    return readCommonQuery(new ComponentVersionQueryDto(), query, COMPONENT_VERSION_QUERY_FIELDS);
  }
}

const COMPONENT_VERSION_QUERY_FIELDS = {
  ...PAGE_FIELDS,
  platform: textUpTo(32),
  component: textUpTo(100),
  active: queryBoolean,
};

export class ComponentVersionDto {
  @ApiProperty() id!: number;
  @ApiProperty() platform!: string;
  @ApiProperty() component!: string;
  @ApiProperty() version!: string;
  @ApiProperty() is_stable!: boolean;
  @ApiProperty() is_active!: boolean;
  @ApiProperty() usage_count!: number;
  @ApiProperty() success_count!: number;
  @ApiProperty({ description: 'success_count / usage_count, null before first use', nullable: true, type: Number })
  success_rate!: number | null;
  @ApiProperty() created_at!: Date;
  @ApiProperty() updated_at!: Date;
}

export class ComponentVersionPageDto {
  @ApiProperty({ type: [ComponentVersionDto] }) items!: ComponentVersionDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() page_size!: number;
}
