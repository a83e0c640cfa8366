import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { DbHandle } from '@app/db';
import { InfraModule } from '@app/observability';
import { ApiFeaturesModule } from '../apps/api/src/api-features.module';
import { WorkerModule } from '../apps/worker/src/worker.module';

/** API and worker in one process, for one machine and the zero-setup first run. */
@Module({})
export class SingleProcessModule {
  static forRoot(config: AppConfig, db: DbHandle): DynamicModule {
    return { module: SingleProcessModule, imports: [InfraModule.forRoot(config, db), ApiFeaturesModule, WorkerModule] };
  }
}
