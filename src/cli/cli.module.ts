import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@app/auth';
import { CacheModule } from '@app/cache';
import { AppConfig, ConfigModule } from '@app/config';
import { DbHandle, DbModule } from '@app/db';
import { QuotaModule } from '@app/quota';
import { RedisModule } from '@app/redis';
import { CatalogRepository, CatalogService, TemplatesModule } from '@app/sync-tasks';
import { AccountsRepository } from '../../apps/api/src/accounts/accounts.repository';
import { ComponentVersionsRepository } from '../../apps/api/src/component-versions/component-versions.repository';
import { SeedService } from '../seed/seed.service';

/** A small context for the CLI and first-run seeding: config, database, users, reference data. */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig, db: DbHandle): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot(config),
        DbModule.forRoot(db, { closeOnShutdown: false }),
        AuthModule,
        TemplatesModule,
        RedisModule,
        QuotaModule,
        CacheModule,
      ],
      providers: [SeedService, AccountsRepository, ComponentVersionsRepository, CatalogRepository, CatalogService],
    };
  }
}
