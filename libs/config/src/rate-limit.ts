import { Env } from './env.schema';

/** Who a request is counted as: the caller's role, or `anonymous` (counted per IP) without a token. */
export const RATE_LIMIT_TIERS = ['admin', 'premium', 'normal', 'anonymous'] as const;
export type RateLimitTier = (typeof RATE_LIMIT_TIERS)[number];

/**
 * Every route belongs to exactly one class: reads (GET), auth (login/refresh, per IP), data-sync writes,
 * or default (every other write).
 */
export const ENDPOINT_CLASSES = ['read', 'default', 'data_sync', 'auth'] as const;
export type EndpointClass = (typeof ENDPOINT_CLASSES)[number];

export type RateLimitTable = { readonly [T in RateLimitTier]: { readonly [C in EndpointClass]: number } };

export interface LoginLimitSettings {
  /** Failed logins per (username, client IP) per window; then 429 for that pair only. */
  failuresPerIp: number;
  /** Failed logins per username across addresses per window; then only addresses that failed are refused. */
  failuresPerUser: number;
  windowSeconds: number;
}

export interface RateLimitSettings {
  enabled: boolean;
  /** Fixed window length; the default limits (docs/api.md#rate-limits) are per minute. */
  windowSeconds: number;
  /** Requests per window, by tier and class (env `RATE_LIMIT_<TIER>_<CLASS>`). */
  perWindow: RateLimitTable;
  login: LoginLimitSettings;
  /** Refreshes per token family per window. */
  refreshPerFamily: number;
}

type LimitEnv = Pick<
  Env,
  | RateLimitVariable
  | 'RATE_LIMIT_ENABLED'
  | 'RATE_LIMIT_WINDOW_S'
  | 'RATE_LIMIT_LOGIN_FAILURES_PER_IP'
  | 'RATE_LIMIT_LOGIN_FAILURES_PER_USER'
  | 'RATE_LIMIT_LOGIN_WINDOW_S'
  | 'RATE_LIMIT_REFRESH_PER_FAMILY'
>;

/** The env variable that sets one cell of the table, e.g. `RATE_LIMIT_NORMAL_DATA_SYNC`. */
export type RateLimitVariable = `RATE_LIMIT_${Uppercase<RateLimitTier>}_${Uppercase<EndpointClass>}`;

export function rateLimitVariable(tier: RateLimitTier, cls: EndpointClass): RateLimitVariable {
  return `RATE_LIMIT_${tier.toUpperCase()}_${cls.toUpperCase()}` as RateLimitVariable;
}

export function rateLimitSettings(env: LimitEnv): RateLimitSettings {
  const table = Object.fromEntries(
    RATE_LIMIT_TIERS.map((tier) => [
      tier,
      Object.fromEntries(ENDPOINT_CLASSES.map((cls) => [cls, env[rateLimitVariable(tier, cls)]])),
    ]),
  ) as unknown as RateLimitTable;
  return {
    enabled: env.RATE_LIMIT_ENABLED,
    windowSeconds: env.RATE_LIMIT_WINDOW_S,
    perWindow: table,
    login: {
      failuresPerIp: env.RATE_LIMIT_LOGIN_FAILURES_PER_IP,
      failuresPerUser: env.RATE_LIMIT_LOGIN_FAILURES_PER_USER,
      windowSeconds: env.RATE_LIMIT_LOGIN_WINDOW_S,
    },
    refreshPerFamily: env.RATE_LIMIT_REFRESH_PER_FAMILY,
  };
}
