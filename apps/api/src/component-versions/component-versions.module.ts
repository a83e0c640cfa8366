import { Module } from '@nestjs/common';
import { ComponentVersionsController } from './component-versions.controller';
import { ComponentVersionsRepository } from './component-versions.repository';
import { ComponentVersionsService } from './component-versions.service';

@Module({
  controllers: [ComponentVersionsController],
  providers: [ComponentVersionsService, ComponentVersionsRepository],
  exports: [ComponentVersionsRepository],
})
export class ComponentVersionsModule {}
