import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { DbHandle } from '@app/db';
import { InfraModule } from '@app/observability';
import { ApiFeaturesModule } from './api-features.module';

@Module({})
export class ApiModule {
  static forRoot(config: AppConfig, db: DbHandle): DynamicModule {
    return { module: ApiModule, imports: [InfraModule.forRoot(config, db), ApiFeaturesModule] };
  }
}
