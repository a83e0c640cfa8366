import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { REDIS_CLIENT } from '@app/redis';
import { MetricsModule } from '@app/observability';
import { bullConnection, bullPrefix, syncQueueOptions } from './bull-connection';
import { SYNC_QUEUE } from './sync-queue.constants';
import { FairShare } from './fair-share';
import { SyncQueueProducer } from './sync-queue.producer';
import { QueueMetrics } from './queue-metrics';

/** BullMQ root connection and the sync queue (producer side; the worker adds its processor). */
@Module({
  imports: [
    MetricsModule,
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ connection: bullConnection(config), prefix: bullPrefix(config) }),
    }),
    BullModule.registerQueueAsync({
      name: SYNC_QUEUE,
      inject: [AppConfig, REDIS_CLIENT],
      useFactory: syncQueueOptions,
    }),
  ],
  providers: [SyncQueueProducer, FairShare, QueueMetrics],
  exports: [SyncQueueProducer, BullModule],
})
export class SyncQueueModule {}
