import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, Roles } from '@app/auth';
import { QuotaService } from '@app/quota';
import { MAX_FILES_PER_TASK, TaskControlService, TaskSubmissionService, TasksService } from '@app/sync-tasks';
import { BatchByIdsDto, BatchFilterDto, PriorityDto, SingleSyncDto, TaskQueryDto } from './dto/data-sync.dto';
import {
  ControlResultDto,
  SubmittedByIdsDto,
  SubmittedSingleDto,
  SubmittedTaskDto,
  TaskCountDto,
  TaskPageDto,
  TaskViewDto,
} from './dto/task.dto';
import { RateLimitClass } from '../rate-limit/rate-limit.decorators';
import { IdempotencyKey } from './idempotency-key';
import { SubmitRoute } from './submit-route.decorator';
import { scopeOf, submission } from './task-scope';

const TASK_ID = new ParseUUIDPipe({ version: '4' });

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

  @SubmitRoute('single', SubmittedSingleDto)
  single(@Body() body: SingleSyncDto, @CurrentUser() user: AuthUser, @IdempotencyKey() key?: string) {
    return this.submit.single(submission(user, body, key), body.file_id);
  }

  @SubmitRoute('batch', SubmittedTaskDto)
  batch(@Body() body: BatchFilterDto, @CurrentUser() user: AuthUser, @IdempotencyKey() key?: string) {
    return this.submit.byFilter(submission(user, body, key), body.toFilter(), body.limit ?? 100);
  }

  @SubmitRoute('batch-by-ids', SubmittedByIdsDto)
  batchByIds(@Body() body: BatchByIdsDto, @CurrentUser() user: AuthUser, @IdempotencyKey() key?: string) {
    return this.submit.byIds(submission(user, body, key), body.file_ids);
  }

  @SubmitRoute('batch-all', SubmittedTaskDto)
  @Roles('admin')
  batchAll(@Body() body: PriorityDto, @CurrentUser() user: AuthUser, @IdempotencyKey() key?: string) {
    return this.submit.byFilter(submission(user, body, key), {}, MAX_FILES_PER_TASK);
  }

  @Get('tasks')
  @ApiOkResponse({ type: TaskPageDto })
  list(@Query() q: TaskQueryDto, @CurrentUser() user: AuthUser): Promise<TaskPageDto> {
    if (q.ids) return this.tasks.listByIds(scopeOf(user), q.ids, q.status);
    return this.tasks.list(scopeOf(user), q.status, q.toPageQuery());
  }

  @Get(['task-status/:taskId', 'progress/:taskId'])
  @ApiOkResponse({ type: TaskViewDto })
  status(@Param('taskId', TASK_ID) taskId: string, @CurrentUser() user: AuthUser): Promise<TaskViewDto> {
    return this.tasks.view(taskId, scopeOf(user));
  }

  @Delete('cancel-task/:taskId')
  @RateLimitClass('data_sync')
  @ApiOkResponse({ type: ControlResultDto })
  cancel(@Param('taskId', TASK_ID) taskId: string, @CurrentUser() user: AuthUser): Promise<ControlResultDto> {
    return this.control.cancel(taskId, scopeOf(user));
  }

  @Post('cancel-task/:taskId')
  @RateLimitClass('data_sync')
  @HttpCode(200)
  @ApiOkResponse({ type: ControlResultDto })
  cancelByPost(@Param('taskId', TASK_ID) taskId: string, @CurrentUser() user: AuthUser): Promise<ControlResultDto> {
    return this.cancel(taskId, user);
  }

  @Post('retry-task/:taskId')
  @RateLimitClass('data_sync')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: ControlResultDto })
  retry(@Param('taskId', TASK_ID) taskId: string, @CurrentUser() user: AuthUser): Promise<ControlResultDto> {
    return this.control.retry(taskId, scopeOf(user), user);
  }

  @Get('user-task-count')
  @ApiOkResponse({ type: TaskCountDto })
  count(@CurrentUser() user: AuthUser): Promise<TaskCountDto> {
    return this.quota.usage(user);
  }
}
