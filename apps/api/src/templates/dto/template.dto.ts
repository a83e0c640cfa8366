import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { DATA_DOMAINS, GRANULARITIES } from '@app/db';

const COLUMN_TYPES = ['text', 'number', 'integer', 'date', 'datetime'] as const;

export class TemplateColumnDto {
  @ApiProperty({ example: '订单编号' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @ApiProperty({ enum: COLUMN_TYPES })
  @IsIn(COLUMN_TYPES)
  type!: (typeof COLUMN_TYPES)[number];
}

export class CreateTemplateDto {
  @ApiProperty({ example: 'shopee' })
  @Matches(/^[a-z][a-z0-9_-]{1,31}$/)
  platform!: string;

  @ApiProperty({ enum: DATA_DOMAINS })
  @IsIn(DATA_DOMAINS)
  data_domain!: (typeof DATA_DOMAINS)[number];

  @ApiPropertyOptional({ default: '' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  sub_domain?: string;

  @ApiProperty({ enum: GRANULARITIES })
  @IsIn(GRANULARITIES)
  granularity!: (typeof GRANULARITIES)[number];

  @ApiPropertyOptional({ default: 1, description: '1-based row number of the header line' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(50)
  header_row?: number;

  @ApiProperty({ type: [TemplateColumnDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => TemplateColumnDto)
  columns!: TemplateColumnDto[];

  @ApiProperty({ example: ['订单编号'], description: 'columns whose values identify a row' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsString({ each: true })
  dedup_fields!: string[];

  @ApiPropertyOptional({ description: 'column giving the metric date' })
  @IsOptional()
  @IsString()
  date_field?: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  published?: boolean;
}

export class UpdateTemplateDto extends PartialType(CreateTemplateDto) {}

export class TemplateDto {
  @ApiProperty() id!: number;
  @ApiProperty() platform!: string;
  @ApiProperty() data_domain!: string;
  @ApiProperty() sub_domain!: string;
  @ApiProperty() granularity!: string;
  @ApiProperty() header_row!: number;
  @ApiProperty({ type: [TemplateColumnDto] }) columns!: TemplateColumnDto[];
  @ApiProperty() dedup_fields!: string[];
  @ApiProperty({ nullable: true, type: String }) date_field!: string | null;
  @ApiProperty() published!: boolean;
  @ApiProperty() created_at!: Date;
  @ApiProperty() updated_at!: Date;
}
