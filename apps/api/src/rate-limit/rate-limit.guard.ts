import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerLimitDetail,
  ThrottlerModuleOptions,
  ThrottlerStorage,
} from '@nestjs/throttler';
import { FastifyReply } from 'fastify';
import { DomainError } from '@app/common';
import { MetricsService } from '@app/observability';
import { RateLimitedRequest, RateLimitPolicy, isExempt, tierOf } from './rate-limit.policy';

/**
 * @nestjs/throttler's guard with our policy: one throttler whose limit, key and tracker depend on
 * the caller's tier and the route's class, so each request updates exactly one counter. Runs after
 * the JWT guard (registered after it), so an authenticated caller is counted by user id.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly policy: RateLimitPolicy,
    private readonly metrics: MetricsService,
  ) {
    super(options, storage, reflector);
  }

  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (!this.policy.settings.enabled || context.getType() !== 'http') return Promise.resolve(true);
    return Promise.resolve(isExempt(context.switchToHttp().getRequest<RateLimitedRequest>().url));
  }

  /** 429 in the one error body, with the same X-RateLimit-* headers as an admitted request. */
  protected override throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const request = context.switchToHttp().getRequest<RateLimitedRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const cls = this.policy.classOf(context);
    this.metrics.rateLimitRefusals.inc({ class: cls, tier: tierOf(request) });
    void reply.header('X-RateLimit-Limit', detail.limit);
    void reply.header('X-RateLimit-Remaining', 0);
    void reply.header('X-RateLimit-Reset', detail.timeToExpire);
    throw new DomainError(
      'RATE_LIMITED',
      `Rate limit exceeded: ${detail.limit} ${cls} requests per ${this.policy.settings.windowSeconds} s; retry in ${detail.timeToBlockExpire} s`,
      {
        limit_name: `${cls}_per_${request.user ? 'user' : 'ip'}`,
        tier: tierOf(request),
        endpoint_class: cls,
        limit: detail.limit,
        window_seconds: this.policy.settings.windowSeconds,
        retry_after_seconds: detail.timeToBlockExpire,
      },
      detail.timeToBlockExpire,
    );
  }
}
