import { Module } from '@nestjs/common';
import { SyncTasksModule } from '@app/sync-tasks';
import { DataSyncController } from './data-sync.controller';

@Module({ imports: [SyncTasksModule], controllers: [DataSyncController] })
export class DataSyncModule {}
