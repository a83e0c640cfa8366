import { Module } from '@nestjs/common';
import { CatalogRepository } from './catalog/catalog.repository';
import { CatalogService } from './catalog/catalog.service';
import { FactRowsRepository } from './ingest/fact-rows.repository';
import { FileIngester } from './ingest/file-ingester';
import { SyncTaskRunner } from './ingest/sync-task.runner';
import { SyncQueueModule } from './queue/sync-queue.module';
import { TasksRepository } from './tasks/tasks.repository';
import { TasksService } from './tasks/tasks.service';
import { TemplatesModule } from './templates/templates.module';

/** Catalog, tasks, queue producer and the ingest pipeline, shared by the API and the worker. */
@Module({
  imports: [SyncQueueModule, TemplatesModule],
  providers: [
    CatalogRepository,
    CatalogService,
    TasksRepository,
    TasksService,
    FactRowsRepository,
    FileIngester,
    SyncTaskRunner,
  ],
  exports: [CatalogService, TasksService, TasksRepository, SyncTaskRunner, SyncQueueModule, TemplatesModule],
})
export class SyncTasksModule {}
