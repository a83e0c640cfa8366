import { Module } from '@nestjs/common';
import { QuotaModule, QuotaReconcilerModule } from '@app/quota';
import { OutboxModule, SyncTasksModule } from '@app/sync-tasks';
import { CatalogController } from './catalog.controller';
import { TasksController } from './tasks.controller';

@Module({
  imports: [SyncTasksModule, QuotaModule, OutboxModule, QuotaReconcilerModule],
  controllers: [CatalogController, TasksController],
})
export class DataSyncModule {}
