import { Global, Module } from '@nestjs/common';
import { DependencyMetrics } from './dependency-metrics';
import { HttpMetricsHook } from './http-metrics.hook';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/**
 * The process's metrics registry. Libraries that record metrics (queue, worker, quota) import it
 * themselves, so they also work in an application context without HTTP (CLI, benchmarks).
 */
@Global()
@Module({ providers: [MetricsService], exports: [MetricsService] })
export class MetricsModule {}

/** `/metrics`, HTTP request timing and dependency pings: for the processes that serve HTTP. */
@Module({
  imports: [MetricsModule],
  controllers: [MetricsController],
  providers: [HttpMetricsHook, DependencyMetrics],
})
export class MetricsEndpointModule {}
