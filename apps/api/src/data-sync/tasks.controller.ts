import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, Roles } from '@app/auth';
import { QuotaService } from '@app/quota';
import { MAX_FILES_PER_TASK, TaskControlService, TaskSubmissionService, TasksService } from '@app/sync-tasks';
import { BatchByIdsDto, BatchFilterDto, PriorityDto, SingleSyncDto, TaskQueryDto } from './dto/data-sync.dto';
import { RateLimitClass } from '../rate-limit/rate-limit.decorators';
import { IdempotencyKey } from './idempotency-key';
import { scopeOf } from './task-scope';

const TASK_ID = new ParseUUIDPipe({ version: '4' });
const IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  required: false,
  description: 'same key within 24 h returns the first task',
};

@ApiTags('data sync: tasks')
@ApiBearerAuth()
@Controller('data-sync')
export class TasksController {
  constructor(
    private readonly submit: TaskSubmissionService,
    private readonly control: TaskControlService,
    private readonly tasks: TasksService,
    private readonly quota: QuotaService,
  ) {}

  @Post('single')
  @RateLimitClass('data_sync')
  @HttpCode(202)
  @ApiHeader(IDEMPOTENCY_HEADER)
  single(@Body() body: SingleSyncDto, @CurrentUser() user: AuthUser, @IdempotencyKey() key?: string) {
    return this.submit.single({ owner: user, priority: body.priority, idempotencyKey: key }, body.file_id);
  }

  @Post('batch')
  @RateLimitClass('data_sync')
  @HttpCode(202)
  @ApiHeader(IDEMPOTENCY_HEADER)
  batch(@Body() body: BatchFilterDto, @CurrentUser() user: AuthUser, @IdempotencyKey() key?: string) {
    const filter = {
      platform: body.platform,
      domains: body.domains,
      granularities: body.granularities,
      shopId: body.shop_id,
      sinceHours: body.since_hours,
    };
    return this.submit.byFilter(
      { owner: user, priority: body.priority, idempotencyKey: key },
      filter,
      body.limit ?? 100,
    );
  }

  @Post('batch-by-ids')
  @RateLimitClass('data_sync')
  @HttpCode(202)
  @ApiHeader(IDEMPOTENCY_HEADER)
  batchByIds(@Body() body: BatchByIdsDto, @CurrentUser() user: AuthUser, @IdempotencyKey() key?: string) {
    return this.submit.byIds({ owner: user, priority: body.priority, idempotencyKey: key }, body.file_ids);
  }

  @Post('batch-all')
  @RateLimitClass('data_sync')
  @HttpCode(202)
  @Roles('admin')
  @ApiHeader(IDEMPOTENCY_HEADER)
  batchAll(@Body() body: PriorityDto, @CurrentUser() user: AuthUser, @IdempotencyKey() key?: string) {
    return this.submit.byFilter({ owner: user, priority: body.priority, idempotencyKey: key }, {}, MAX_FILES_PER_TASK);
  }

  @Get('tasks')
  list(@Query() q: TaskQueryDto, @CurrentUser() user: AuthUser) {
    if (q.ids) return this.tasks.listByIds(scopeOf(user), q.ids, q.status);
    return this.tasks.list(scopeOf(user), q.status, q.toPageQuery());
  }

  @Get('task-status/:taskId')
  status(@Param('taskId', TASK_ID) taskId: string, @CurrentUser() user: AuthUser) {
    return this.tasks.view(taskId, scopeOf(user));
  }

  @Get('progress/:taskId')
  progress(@Param('taskId', TASK_ID) taskId: string, @CurrentUser() user: AuthUser) {
    return this.tasks.view(taskId, scopeOf(user));
  }

  @Delete('cancel-task/:taskId')
  @RateLimitClass('data_sync')
  cancel(@Param('taskId', TASK_ID) taskId: string, @CurrentUser() user: AuthUser) {
    return this.control.cancel(taskId, scopeOf(user));
  }

  @Post('cancel-task/:taskId')
  @RateLimitClass('data_sync')
  @HttpCode(200)
  cancelByPost(@Param('taskId', TASK_ID) taskId: string, @CurrentUser() user: AuthUser) {
    return this.control.cancel(taskId, scopeOf(user));
  }

  @Post('retry-task/:taskId')
  @RateLimitClass('data_sync')
  @HttpCode(202)
  retry(@Param('taskId', TASK_ID) taskId: string, @CurrentUser() user: AuthUser) {
    return this.control.retry(taskId, scopeOf(user), user);
  }

  @Get('user-task-count')
  count(@CurrentUser() user: AuthUser) {
    return this.quota.usage(user);
  }
}
