import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { HealthRegistry } from './health.registry';
import { FastifyReply } from 'fastify';
import { Public } from '@app/auth';
import { DatabaseHealthIndicator, RedisHealthIndicator } from './health.indicators';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly registry: HealthRegistry,
    private readonly indicators: HealthIndicatorService,
  ) {}

  /**
   * Liveness: the process answers, plus any check the process registered (the worker proves it
   * still consumes jobs). Never fails because Redis or the database is down: that is readiness.
   */
  @Get('live')
  @HealthCheck()
  async live(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult | string | object> {
    const checks = this.registry.liveness().map(([name, check]) => async () => {
      const { ok, detail } = await check();
      const session = this.indicators.check(name);
      return ok ? session.up(detail) : session.down(detail);
    });
    return this.orServiceUnavailable(reply, () => this.health.check(checks));
  }

  /** Readiness: every dependency answers; 503 with terminus's per-dependency body otherwise. */
  @Get('ready')
  @HealthCheck()
  ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult | string | object> {
    return this.orServiceUnavailable(reply, () =>
      this.health.check([() => this.database.check(), () => this.redis.check()]),
    );
  }

  /** Terminus throws on a failed check; answer 503 with its per-check body instead. */
  private async orServiceUnavailable(
    reply: FastifyReply,
    run: () => Promise<HealthCheckResult>,
  ): Promise<HealthCheckResult | string | object> {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      void reply.status(503);
      return error.getResponse();
    }
  }
}
