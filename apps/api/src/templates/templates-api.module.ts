import { Module } from '@nestjs/common';
import { TemplatesModule } from '@app/sync-tasks';
import { TemplatesController } from './templates.controller';
import { TemplatesService } from './templates.service';

@Module({ imports: [TemplatesModule], controllers: [TemplatesController], providers: [TemplatesService] })
export class TemplatesApiModule {}
