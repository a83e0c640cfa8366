import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { MAX_FILES_PER_TASK, TaskSubmissionService, SubmittedTask } from './task-submission.service';
import { TasksRepository } from './tasks.repository';

/**
 * The old system's periodic auto-ingest, off by default: files pending longer than
 * SWEEP_PENDING_AFTER_S go into one batch task owned by the first active admin.
 */
@Injectable()
export class OverdueSweeper {
  private readonly logger = new Logger(OverdueSweeper.name);

  constructor(
    private readonly config: AppConfig,
    private readonly tasks: TasksRepository,
    private readonly submit: TaskSubmissionService,
  ) {}

  async sweep(): Promise<SubmittedTask | undefined> {
    const olderThanSeconds = this.config.worker.sweepPendingAfterS;
    if (!olderThanSeconds) return undefined;
    const adminId = await this.tasks.firstActiveAdmin();
    if (!adminId) {
      this.logger.warn('overdue sweep skipped: no active admin user to own the task');
      return undefined;
    }
    const result = await this.submit.byFilter(
      { owner: { id: adminId, role: 'admin' }, priority: 3 },
      { olderThanSeconds },
      MAX_FILES_PER_TASK,
    );
    if (result.total_files)
      this.logger.log(`overdue sweep: ${result.total_files} pending files queued as task ${result.task_id}`);
    return result;
  }
}
