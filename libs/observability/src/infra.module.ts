import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@app/config';
import { DbHandle, DbModule } from '@app/db';
import { RedisModule } from '@app/redis';
import { HealthModule } from './health.module';
import { LoggingModule } from './logging.module';
import { MetricsEndpointModule, MetricsModule } from './metrics';

/** What every process needs: config, database, Redis, logs, health probes and metrics. */
@Module({})
export class InfraModule {
  static forRoot(config: AppConfig, db: DbHandle): DynamicModule {
    return {
      module: InfraModule,
      imports: [
        ConfigModule.forRoot(config),
        DbModule.forRoot(db),
        RedisModule,
        LoggingModule,
        HealthModule,
        MetricsModule,
        MetricsEndpointModule,
      ],
      exports: [HealthModule, MetricsModule],
    };
  }
}
