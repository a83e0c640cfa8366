import { Global, Module } from '@nestjs/common';
import { DataDirMetrics } from './data-dir-metrics';
import { DependencyMetrics } from './dependency-metrics';
import { HttpMetricsHook } from './http-metrics.hook';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { RedisPolicyCheck } from './redis-policy.check';

/**
 * The process's metrics registry. Libraries that record metrics (queue, worker, quota) import it
 * themselves, so they also work in an application context without HTTP (CLI, benchmarks).
 */
@Global()
@Module({ providers: [MetricsService], exports: [MetricsService] })
export class MetricsModule {}

/** `/metrics`, HTTP request timing, dependency pings, Redis' eviction policy and DATA_DIR space: for the processes that serve HTTP. */
@Module({
  imports: [MetricsModule],
  controllers: [MetricsController],
  providers: [HttpMetricsHook, DependencyMetrics, DataDirMetrics, RedisPolicyCheck],
})
export class MetricsEndpointModule {}
