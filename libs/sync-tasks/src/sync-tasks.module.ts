import { Module } from '@nestjs/common';
import { CacheModule } from '@app/cache';
import { MetricsModule } from '@app/observability';
import { QuotaModule } from '@app/quota';
import { CatalogRepository } from './catalog/catalog.repository';
import { CatalogService } from './catalog/catalog.service';
import { TaskEventsPublisher } from './events/task-events.publisher';
import { FactRowsRepository } from './ingest/fact-rows.repository';
import { FileIngester } from './ingest/file-ingester';
import { SyncTaskRunner } from './ingest/sync-task.runner';
import { SyncQueueModule } from './queue/sync-queue.module';
import { OutboxRelay } from './tasks/outbox.relay';
import { OverdueSweeper } from './tasks/overdue-sweeper';
import { QuotaGate } from './tasks/quota-gate';
import { TaskControlService } from './tasks/task-control.service';
import { SingleSubmitter } from './tasks/single-submitter';
import { TaskSubmissionService } from './tasks/task-submission.service';
import { TasksRepository } from './tasks/tasks.repository';
import { TasksService } from './tasks/tasks.service';
import { TemplateLookup } from './templates/template-lookup';
import { TemplatesModule } from './templates/templates.module';

/** Catalog, tasks, queue producer and the ingest pipeline, shared by the API and the worker. */
@Module({
  imports: [MetricsModule, CacheModule, SyncQueueModule, TemplatesModule, QuotaModule],
  providers: [
    CatalogRepository,
    CatalogService,
    TasksRepository,
    TasksService,
    QuotaGate,
    TaskSubmissionService,
    SingleSubmitter,
    TaskControlService,
    FactRowsRepository,
    FileIngester,
    SyncTaskRunner,
    TemplateLookup,
    OverdueSweeper,
    TaskEventsPublisher,
  ],
  exports: [
    TaskEventsPublisher,
    CatalogService,
    TasksService,
    TaskSubmissionService,
    TaskControlService,
    TasksRepository,
    SyncTaskRunner,
    OverdueSweeper,
    SyncQueueModule,
    TemplatesModule,
  ],
})
export class SyncTasksModule {}

/** The outbox relay, for the processes that accept submissions (API, single process). */
@Module({ imports: [SyncTasksModule, QuotaModule], providers: [OutboxRelay], exports: [OutboxRelay] })
export class OutboxModule {}
