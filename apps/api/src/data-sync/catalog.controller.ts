import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiTags } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { AuthUser, CurrentUser, Roles } from '@app/auth';
import { CatalogService } from '@app/sync-tasks';
import { IdPipe } from '../common/id.pipe';
import { FileQueryDto, ScanDto } from './dto/data-sync.dto';
import { RateLimitClass } from '../rate-limit/rate-limit.decorators';
import { readUpload } from './multipart-upload';

@ApiTags('data sync: file catalog')
@ApiBearerAuth()
@Controller('data-sync')
export class CatalogController {
  constructor(private readonly catalog: CatalogService) {}

  @Get('files')
  files(@Query() q: FileQueryDto) {
    const filter = {
      status: q.status,
      platform: q.platform,
      dataDomain: q.domain,
      granularity: q.granularity,
      shopId: q.shop_id,
    };
    return this.catalog.list(filter, q.toPageQuery());
  }

  @Get('files/:id')
  file(@Param('id', IdPipe) id: number) {
    return this.catalog.get(id);
  }

  @Post('files')
  @RateLimitClass('data_sync')
  @ApiConsumes('multipart/form-data')
  async upload(@Req() req: FastifyRequest, @CurrentUser() user: AuthUser) {
    const { stored, fileName, fields } = await readUpload(req, (stream) => this.catalog.storeUpload(stream));
    return this.catalog.upload(stored, fileName, fields, user.id);
  }

  @Post('scan')
  @RateLimitClass('data_sync')
  @Roles('admin')
  @HttpCode(200)
  scan(@Body() body: ScanDto) {
    return this.catalog.scan(body.dir);
  }
}
