import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { HealthRegistry } from './health.registry';
import { DatabaseHealthIndicator, RedisHealthIndicator } from './health.indicators';

/** `/health/live` and `/health/ready`, served by the API and by the worker. */
@Global() // one HealthRegistry per app, which feature modules (the worker) add liveness checks to
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [DatabaseHealthIndicator, RedisHealthIndicator, HealthRegistry],
  exports: [HealthRegistry],
})
export class HealthModule {}
