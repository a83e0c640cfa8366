import { createHash } from 'node:crypto';
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
  method?: string;
}

/** Probes, metrics and the API docs are fetched by orchestrators, scrapers and browsers: never limited. */
const EXEMPT = /^\/(health\/|metrics(\?|$)|api\/docs(\/|-json|\?|$))/;
const READ_METHODS = new Set(['GET', 'HEAD']);
const IPV6_SUBNET_PREFIX = 64; // one client usually owns a /64

export function tierOf(request: RateLimitedRequest): RateLimitTier {
  return request.user?.role ?? 'anonymous';
}

/** Users are counted by id (across all their addresses); anonymous callers by address. */
export function trackerOf(request: RateLimitedRequest): string {
  return request.user ? `user:${request.user.id}` : `ip:${clientAddress(request.ip)}`;
}

/** An IPv4 address as is; an IPv6 one as its /64. */
export function clientAddress(ip: string): string {
  return normalizeIp(ip, IPV6_SUBNET_PREFIX);
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

  /** The route's @RateLimitClass(), else `read` for GET/HEAD and `default` for other writes; once per handler. */
  classOf(context: ExecutionContext): EndpointClass {
    const handler = context.getHandler();
    let cls = this.classes.get(handler);
    if (cls === undefined) {
      const method = context.switchToHttp().getRequest<RateLimitedRequest>().method ?? 'GET';
      cls =
        this.reflector.getAllAndOverride<EndpointClass | undefined>(RATE_LIMIT_CLASS, [handler, context.getClass()]) ??
        (READ_METHODS.has(method) ? 'read' : 'default');
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

  /** Failed logins: `…:login-failures:{sha1(username)}` and `…:login-failures:{sha1(username)}:{address}`. */
  loginFailureKey(username: string, address?: string): string {
    const user = createHash('sha1').update(username).digest('hex');
    return `${this.keyPrefix}:login-failures:${user}${address === undefined ? '' : `:${address}`}`;
  }

  /** `…:refresh:{family id}` */
  refreshKey(familyId: string): string {
    return `${this.keyPrefix}:refresh:${familyId}`;
  }
}
