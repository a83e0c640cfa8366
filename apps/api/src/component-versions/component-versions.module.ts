import { Module } from '@nestjs/common';
import { CacheModule } from '@app/cache';
import { ComponentVersionsController } from './component-versions.controller';
import { ComponentVersionsRepository } from './component-versions.repository';
import { ComponentVersionsService } from './component-versions.service';

@Module({
  imports: [CacheModule],
  controllers: [ComponentVersionsController],
  providers: [ComponentVersionsService, ComponentVersionsRepository],
  exports: [ComponentVersionsRepository],
})
export class ComponentVersionsModule {}
