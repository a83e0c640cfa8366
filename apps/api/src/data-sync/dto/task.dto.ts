import { ApiProperty } from '@nestjs/swagger';
import { FILE_STATUSES, FileResult, TASK_STATUSES } from '@app/db';
import { Page } from '@app/common';
import { QuotaUsage } from '@app/quota';
import {
  ControlResult,
  SubmittedSingle,
  SubmittedTask,
  TaskErrorCode,
  TaskProgressView,
  TaskSummary,
  TaskView,
} from '@app/sync-tasks';

// The task services already answer in these shapes; the classes describe them for OpenAPI and make the
// compiler check that they match (`implements`).

export class TaskProgressDto implements TaskProgressView {
  @ApiProperty() files_total!: number;
  @ApiProperty() files_done!: number;
  @ApiProperty({ description: 'rows of the files done so far' }) rows_total!: number;
  @ApiProperty({ description: 'rows committed, live while the task runs' }) rows_done!: number;
  @ApiProperty({ minimum: 0, maximum: 100, description: '100 only once every file is done' }) percent!: number;
  @ApiProperty({ type: String, nullable: true }) current_file!: string | null;
}

export class FileResultDto implements FileResult {
  @ApiProperty() file_id!: number;
  @ApiProperty({ description: "'' when the file left the catalog" }) file_name!: string;
  @ApiProperty({ enum: FILE_STATUSES }) status!: FileResult['status'];
  @ApiProperty() rows_total!: number;
  @ApiProperty() inserted!: number;
  @ApiProperty() updated!: number;
  @ApiProperty() unchanged!: number;
  @ApiProperty() quarantined!: number;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
}

export class TaskSummaryDto implements TaskSummary {
  @ApiProperty({ format: 'uuid' }) task_id!: string;
  @ApiProperty() user_id!: number;
  @ApiProperty({ enum: ['single', 'batch'] }) kind!: TaskSummary['kind'];
  @ApiProperty({ enum: TASK_STATUSES }) status!: TaskSummary['status'];
  @ApiProperty({ minimum: 1, maximum: 10 }) priority!: number;
  @ApiProperty() total_files!: number;
  @ApiProperty({ type: TaskProgressDto, nullable: true }) progress!: TaskProgressDto | null;
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) created_at!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) started_at!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finished_at!: Date | null;
}

export class TaskPageDto implements Page<TaskSummaryDto> {
  @ApiProperty({ type: [TaskSummaryDto] }) items!: TaskSummaryDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() page_size!: number;
}

export class TaskViewDto extends TaskSummaryDto implements TaskView {
  @ApiProperty({ type: [Number] }) file_ids!: number[];
  @ApiProperty({ enum: Object.values(TaskErrorCode), enumName: 'TaskErrorCode', nullable: true })
  error_code!: TaskErrorCode | null;
  @ApiProperty({ description: 'false while the outbox still has to hand the task to the queue' }) enqueued!: boolean;
  @ApiProperty({ type: Number, nullable: true }) duration_ms!: number | null;
  @ApiProperty({ type: [FileResultDto] }) files!: FileResultDto[];
}

export class SubmittedTaskDto implements SubmittedTask {
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'null when nothing matched' })
  task_id!: string | null;
  @ApiProperty({ enum: [...TASK_STATUSES, 'nothing_to_do'] }) status!: SubmittedTask['status'];
  @ApiProperty() total_files!: number;
  @ApiProperty({ type: [Number] }) file_ids!: number[];
  @ApiProperty({ description: 'false: Redis did not answer; the outbox enqueues it later' }) enqueued!: boolean;
  @ApiProperty({ description: 'true: an Idempotency-Key matched an earlier submission, returned instead' })
  replayed!: boolean;
}

export class SubmittedSingleDto extends SubmittedTaskDto implements SubmittedSingle {
  @ApiProperty() file_id!: number;
  @ApiProperty() file_name!: string;
}

export class SubmittedByIdsDto extends SubmittedTaskDto {
  @ApiProperty({ type: [Number], description: 'requested ids that are not in the catalog' })
  missing_file_ids!: number[];
}

export class ControlResultDto implements ControlResult {
  @ApiProperty({ format: 'uuid' }) task_id!: string;
  @ApiProperty({ enum: TASK_STATUSES }) status!: ControlResult['status'];
  @ApiProperty() message!: string;
}

export class TaskCountDto implements QuotaUsage {
  @ApiProperty() queued!: number;
  @ApiProperty() active!: number;
  @ApiProperty() in_flight!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() remaining!: number;
}
