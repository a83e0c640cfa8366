import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { getOptionsToken, getStorageToken, ThrottlerModuleOptions } from '@nestjs/throttler';
import { AuthLimiter } from './auth-limiter';
import { RateLimitController } from './rate-limit.controller';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimitedRequest, RateLimitPolicy, trackerOf } from './rate-limit.policy';
import { RateLimitService } from './rate-limit.service';
import { RateLimitStore } from './rate-limit.store';

/** One throttler; its limit and key come from the policy per request (tier × endpoint class). */
function throttlerOptions(policy: RateLimitPolicy): ThrottlerModuleOptions {
  return {
    throttlers: [{ name: 'default', ttl: policy.windowMs, limit: (context) => policy.limitOf(context) }],
    getTracker: (request) => trackerOf(request as RateLimitedRequest),
    generateKey: (context, tracker) => policy.key(policy.classOf(context), tracker),
  };
}

/**
 * App-level rate limits (the table in docs/api.md#rate-limits): per user (by IP when anonymous), per endpoint
 * class, counted in Redis and shared by every replica; per-process while Redis is down. `GET /rate-limit/my-info`.
 * Login failures and refreshes per token family: AuthLimiter.
 * Import after the auth guards: the guard needs the user the JWT guard attaches.
 */
@Module({
  controllers: [RateLimitController],
  providers: [
    RateLimitPolicy,
    RateLimitStore,
    RateLimitService,
    { provide: getStorageToken(), useExisting: RateLimitStore },
    { provide: getOptionsToken(), inject: [RateLimitPolicy], useFactory: throttlerOptions },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    AuthLimiter,
  ],
  exports: [AuthLimiter],
})
export class RateLimitModule {}
