import { Module } from '@nestjs/common';
import { CacheModule } from '@app/cache';
import { CacheAdminController } from './cache-admin.controller';
import { CacheAdminService } from './cache-admin.service';

/** Admin views of the running system: the cache. */
@Module({ imports: [CacheModule], controllers: [CacheAdminController], providers: [CacheAdminService] })
export class SystemModule {}
