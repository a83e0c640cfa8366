import { Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AuthModule } from '@app/auth';
import { AccountsModule } from './accounts/accounts.module';
import { AdminQueuesModule } from './admin-queues/admin-queues.module';
import { AuthApiModule } from './auth/auth-api.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { createValidationPipe } from './common/validation.pipe';
import { ComponentVersionsModule } from './component-versions/component-versions.module';
import { DataSyncModule } from './data-sync/data-sync.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { SystemModule } from './system/system.module';
import { TemplatesApiModule } from './templates/templates-api.module';

/** Every HTTP feature of the API, with the global guards, validation and error body. */
@Module({
  imports: [
    AuthModule.withGuards(),
    RateLimitModule, // its guard runs after the JWT guard: callers are counted by user id
    AuthApiModule,
    AccountsModule,
    ComponentVersionsModule,
    TemplatesApiModule,
    DataSyncModule,
    SystemModule,
    AdminQueuesModule,
  ],
  providers: [
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
    { provide: APP_PIPE, useFactory: createValidationPipe },
  ],
})
export class ApiFeaturesModule {}
