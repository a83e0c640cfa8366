import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiConsumes, ApiTags } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { AuthUser, CurrentUser, Roles } from '@app/auth';
import { CatalogService, TasksService } from '@app/sync-tasks';
import { FileQueryDto, ScanDto, SingleSyncDto, SubmittedSingleDto } from './dto/data-sync.dto';
import { readUpload } from './multipart-upload';
import { scopeOf } from './task-scope';

const TASK_ID = new ParseUUIDPipe({ version: '4' });

@ApiTags('data sync')
@ApiBearerAuth()
@Controller('data-sync')
export class DataSyncController {
  constructor(
    private readonly catalog: CatalogService,
    private readonly tasks: TasksService,
  ) {}

  @Get('files')
  files(@Query() q: FileQueryDto) {
    return this.catalog.list(
      { status: q.status, platform: q.platform, dataDomain: q.domain, granularity: q.granularity, shopId: q.shop_id },
      q.toPageQuery(),
    );
  }

  @Post('files')
  @ApiConsumes('multipart/form-data')
  async upload(@Req() req: FastifyRequest, @CurrentUser() user: AuthUser) {
    const { stored, fileName, fields } = await readUpload(req, (stream) => this.catalog.storeUpload(stream));
    return this.catalog.upload(stored, fileName, fields, user.id);
  }

  @Post('scan')
  @Roles('admin')
  @HttpCode(200)
  scan(@Body() body: ScanDto) {
    return this.catalog.scan(body.dir);
  }

  @Post('single')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: SubmittedSingleDto })
  single(@Body() body: SingleSyncDto, @CurrentUser() user: AuthUser): Promise<SubmittedSingleDto> {
    return this.tasks.submitSingle(user.id, body.file_id, body.priority);
  }

  @Get('task-status/:taskId')
  status(@Param('taskId', TASK_ID) taskId: string, @CurrentUser() user: AuthUser) {
    return this.tasks.view(taskId, scopeOf(user));
  }

  @Get('progress/:taskId')
  progress(@Param('taskId', TASK_ID) taskId: string, @CurrentUser() user: AuthUser) {
    return this.tasks.view(taskId, scopeOf(user));
  }
}
