import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Roles } from '@app/auth';
import { CacheAdminService } from './cache-admin.service';
import { CacheDropResultDto, CacheWarmupDto, CacheWarmupResultDto } from './dto/cache-admin.dto';
import { CacheStatsDto } from './dto/cache-stats.dto';

@ApiTags('system')
@ApiBearerAuth()
@Controller('system')
@Roles('admin')
export class CacheAdminController {
  constructor(private readonly admin: CacheAdminService) {}

  @Get('cache-stats')
  @ApiOkResponse({ type: CacheStatsDto, description: 'Counters of every replica since `window.since`' })
  stats(): Promise<CacheStatsDto> {
    return this.admin.report();
  }

  @Post('cache/warmup')
  @HttpCode(200)
  @ApiOkResponse({ type: CacheWarmupResultDto })
  warmup(@Body() body: CacheWarmupDto): Promise<CacheWarmupResultDto> {
    return this.admin.warmup(body?.types);
  }

  @Delete('cache/:type')
  @ApiOkResponse({ type: CacheDropResultDto })
  drop(@Param('type') type: string): Promise<CacheDropResultDto> {
    return this.admin.drop(type);
  }
}
