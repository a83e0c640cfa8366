import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { DbHandle } from '@app/db';
import { InfraModule } from '@app/observability';
import { WorkerModule } from './worker.module';

@Module({})
export class WorkerAppModule {
  static forRoot(config: AppConfig, db: DbHandle): DynamicModule {
    return { module: WorkerAppModule, imports: [InfraModule.forRoot(config, db), WorkerModule] };
  }
}
