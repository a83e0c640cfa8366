import { Module } from '@nestjs/common';
import { QuotaModule, QuotaReconcilerModule } from '@app/quota';
import { OutboxModule, SyncTasksModule } from '@app/sync-tasks';
import { CatalogController } from './catalog.controller';
import { TaskEventsModule } from './events/task-events.module';
import { TasksController } from './tasks.controller';

@Module({
  imports: [SyncTasksModule, QuotaModule, OutboxModule, QuotaReconcilerModule, TaskEventsModule],
  controllers: [CatalogController, TasksController],
})
export class DataSyncModule {}
