import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { AuthUser, CurrentUser, Roles } from '@app/auth';
import { CatalogService } from '@app/sync-tasks';
import { IdPipe } from '../common/id.pipe';
import { FileQueryDto, ScanDto } from './dto/data-sync.dto';
import {
  CatalogFileDto,
  CatalogFilePageDto,
  CatalogFileStorageDto,
  ScanReportDto,
  toCatalogFileDto,
  toCatalogFilePage,
  toCatalogFileStorageDto,
} from './dto/catalog-file.dto';
import { RateLimitClass } from '../rate-limit/rate-limit.decorators';
import { readUpload } from './multipart-upload';

@ApiTags('data sync: file catalog')
@ApiBearerAuth()
@Controller('data-sync')
export class CatalogController {
  constructor(private readonly catalog: CatalogService) {}

  @Get('files')
  @ApiOkResponse({ type: CatalogFilePageDto })
  async files(@Query() q: FileQueryDto): Promise<CatalogFilePageDto> {
    return toCatalogFilePage(await this.catalog.list(q.toFilter(), q.toPageQuery()));
  }

  @Get('files/:id')
  @ApiOkResponse({ type: CatalogFileDto })
  async file(@Param('id', IdPipe) id: number): Promise<CatalogFileDto> {
    return toCatalogFileDto(await this.catalog.get(id));
  }

  @Get('files/:id/storage')
  @Roles('admin')
  @ApiOkResponse({ type: CatalogFileStorageDto, description: "the server's side of a file (admins only)" })
  async storage(@Param('id', IdPipe) id: number): Promise<CatalogFileStorageDto> {
    return toCatalogFileStorageDto(await this.catalog.get(id));
  }

  @Post('files')
  @RateLimitClass('data_sync')
  @ApiConsumes('multipart/form-data')
  @ApiCreatedResponse({ type: CatalogFileDto })
  async upload(@Req() req: FastifyRequest, @CurrentUser() user: AuthUser): Promise<CatalogFileDto> {
    const { stored, fileName, fields } = await readUpload(req, (stream) => this.catalog.storeUpload(stream));
    return toCatalogFileDto(await this.catalog.upload(stored, fileName, fields, user.id));
  }

  @Post('scan')
  @RateLimitClass('data_sync')
  @Roles('admin')
  @HttpCode(200)
  @ApiOkResponse({ type: ScanReportDto })
  scan(@Body() body: ScanDto): Promise<ScanReportDto> {
    return this.catalog.scan(body.dir);
  }
}
