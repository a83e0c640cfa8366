import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { normalizeIp } from '@nestjs/throttler';
import { AuthUser } from '@app/auth';
import { AppConfig, EndpointClass, RateLimitSettings, RateLimitTier } from '@app/config';
import { RATE_LIMIT_CLASS } from './rate-limit.decorators';

/** What the policy reads from a request: the user the JWT guard attached, and the client address. */
export interface RateLimitedRequest {
  user?: Pick<AuthUser, 'id' | 'role'>;
  ip: string;
  url: string;
}

/** Probes and metrics are called by orchestrators and scrapers at fixed paths: never limited. */
const EXEMPT = /^\/(health\/|metrics(\?|$))/;
const IPV6_SUBNET_PREFIX = 64; // one client usually owns a /64

export function tierOf(request: RateLimitedRequest): RateLimitTier {
  return request.user?.role ?? 'anonymous';
}

/** Users are counted by id (across all their addresses); anonymous callers by address. */
export function trackerOf(request: RateLimitedRequest): string {
  return request.user ? `user:${request.user.id}` : `ip:${normalizeIp(request.ip, IPV6_SUBNET_PREFIX)}`;
}

export function isExempt(url: string): boolean {
  return EXEMPT.test(url);
}

/**
 * The rules: which class a route is in, which tier a caller is in, the limit for both, and the
 * counter key. One counter per (class, caller), so a request costs exactly one counter update.
 */
@Injectable()
export class RateLimitPolicy {
  readonly settings: RateLimitSettings;
  private readonly keyPrefix: string;
  private readonly classes = new WeakMap<object, EndpointClass>();

  constructor(
    config: AppConfig,
    private readonly reflector: Reflector,
  ) {
    this.settings = config.limits.rateLimit;
    this.keyPrefix = `${config.redis.prefix}:ratelimit`;
  }

  get windowMs(): number {
    return this.settings.windowSeconds * 1000;
  }

  /** From the route's @RateLimitClass(), looked up once per handler. */
  classOf(context: ExecutionContext): EndpointClass {
    const handler = context.getHandler();
    let cls = this.classes.get(handler);
    if (cls === undefined) {
      cls =
        this.reflector.getAllAndOverride<EndpointClass | undefined>(RATE_LIMIT_CLASS, [handler, context.getClass()]) ??
        'default';
      this.classes.set(handler, cls);
    }
    return cls;
  }

  limit(tier: RateLimitTier, cls: EndpointClass): number {
    return this.settings.perWindow[tier][cls];
  }

  limitOf(context: ExecutionContext): number {
    return this.limit(tierOf(context.switchToHttp().getRequest<RateLimitedRequest>()), this.classOf(context));
  }

  /** `{REDIS_PREFIX}:ratelimit:{class}:{user:ID | ip:ADDRESS}` */
  key(cls: EndpointClass, tracker: string): string {
    return `${this.keyPrefix}:${cls}:${tracker}`;
  }
}
