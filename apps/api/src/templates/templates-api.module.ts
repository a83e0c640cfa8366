import { Module } from '@nestjs/common';
import { CacheModule } from '@app/cache';
import { TemplatesModule } from '@app/sync-tasks';
import { TemplatesController } from './templates.controller';
import { TemplatesService } from './templates.service';

@Module({ imports: [TemplatesModule, CacheModule], controllers: [TemplatesController], providers: [TemplatesService] })
export class TemplatesApiModule {}
