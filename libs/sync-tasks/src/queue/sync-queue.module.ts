import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { AppConfig } from '@app/config';
import Redis from 'ioredis';
import { REDIS_CLIENT } from '@app/redis';
import { MetricsModule } from '@app/observability';
import { bullConnection, bullPrefix } from './bull-connection';
import { EVENTS_STREAM_MAX_LEN, SYNC_QUEUE } from './sync-queue.constants';
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
      // The shared fail-fast client (no offline queue, bounded commands): `add` fails fast while
      // Redis is down and the outbox takes over. Shared, so BullMQ never closes it; RedisModule does.
      inject: [AppConfig, REDIS_CLIENT],
      useFactory: (config: AppConfig, redis: Redis) => ({
        connection: redis,
        prefix: bullPrefix(config),
        streams: { events: { maxLen: EVENTS_STREAM_MAX_LEN } },
      }),
    }),
  ],
  providers: [SyncQueueProducer, FairShare, QueueMetrics],
  exports: [SyncQueueProducer, BullModule],
})
export class SyncQueueModule {}
