import { Module } from '@nestjs/common';
import { CacheModule } from '@app/cache';
import { AccountsController, AccountStatsController } from './accounts.controller';
import { AccountsRepository } from './accounts.repository';
import { AccountsService } from './accounts.service';

@Module({
  imports: [CacheModule],
  controllers: [AccountsController, AccountStatsController],
  providers: [AccountsService, AccountsRepository],
  exports: [AccountsRepository],
})
export class AccountsModule {}
