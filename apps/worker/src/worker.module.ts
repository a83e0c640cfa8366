import { Module } from '@nestjs/common';
import { QuotaModule } from '@app/quota';
import { SyncTasksModule } from '@app/sync-tasks';
import { SyncWorker } from './sync/sync.worker';

/** The sync-queue consumers; hosted by the worker process and by the single-process entry. */
@Module({ imports: [SyncTasksModule, QuotaModule], providers: [SyncWorker] })
export class WorkerModule {}
