import { Injectable } from '@nestjs/common';
import { DomainError } from '@app/common';
import { clientAddress, RateLimitPolicy } from './rate-limit.policy';
import { RateLimitStore } from './rate-limit.store';

/** Which limit refused a login or refresh; named in the 429 body. */
export type AuthLimitName = 'login_failures_per_ip' | 'login_failures_per_user' | 'refresh_per_token_family';

/**
 * Login and refresh limits that do not lock out an office of colleagues behind one address
 * (docs/api.md#rate-limits). Failed logins are counted per (username, client address) and per username; a
 * success clears its pair. When a username has failed too often across addresses, only addresses that already
 * failed for it are refused: distributed guessing gets one try per new address, while a colleague who never
 * mistyped still logs in.
 * Refreshes are counted per token family. The per-address ceiling on all auth calls is the guard's `auth` class.
 */
@Injectable()
export class AuthLimiter {
  constructor(
    private readonly policy: RateLimitPolicy,
    private readonly store: RateLimitStore,
  ) {}

  async login<T>(username: string, ip: string, attempt: () => Promise<T>): Promise<T> {
    if (!this.policy.settings.enabled) return attempt();
    const { failuresPerIp, failuresPerUser, windowSeconds } = this.policy.settings.login;
    const pairKey = this.policy.loginFailureKey(username, clientAddress(ip));
    const userKey = this.policy.loginFailureKey(username);
    const [pair, user] = await this.store.peek([pairKey, userKey]);
    if (pair.hits >= failuresPerIp) throw refused('login_failures_per_ip', failuresPerIp, windowSeconds, pair.resetMs);
    if (user.hits >= failuresPerUser && pair.hits > 0) {
      throw refused('login_failures_per_user', failuresPerUser, windowSeconds, user.resetMs);
    }
    try {
      const result = await attempt();
      if (pair.hits > 0) await this.store.forget(pairKey);
      return result;
    } catch (error) {
      if (error instanceof DomainError && error.code === 'INVALID_CREDENTIALS') {
        const windowMs = windowSeconds * 1000;
        await Promise.all([this.store.hit(pairKey, windowMs), this.store.hit(userKey, windowMs)]);
      }
      throw error;
    }
  }

  async refresh<T>(refreshToken: string, attempt: () => Promise<T>): Promise<T> {
    const family = familyOf(refreshToken);
    if (this.policy.settings.enabled && family) {
      const { refreshPerFamily, windowSeconds } = this.policy.settings;
      const { hits, resetMs } = await this.store.hit(this.policy.refreshKey(family), windowSeconds * 1000);
      if (hits > refreshPerFamily) {
        throw refused('refresh_per_token_family', refreshPerFamily, windowSeconds, resetMs);
      }
    }
    return attempt();
  }
}

function refused(limit: AuthLimitName, max: number, windowSeconds: number, resetMs: number): DomainError {
  const retryAfter = Math.max(1, Math.ceil(resetMs / 1000));
  const what =
    limit === 'refresh_per_token_family'
      ? `${max} refreshes of one login per ${windowSeconds} s`
      : limit === 'login_failures_per_ip'
        ? `${max} failed logins for this username from this address per ${windowSeconds} s`
        : `${max} failed logins for this username per ${windowSeconds} s`;
  return new DomainError(
    'RATE_LIMITED',
    `Rate limit exceeded: ${what}; retry in ${retryAfter} s`,
    { limit_name: limit, limit: max, window_seconds: windowSeconds, retry_after_seconds: retryAfter },
    retryAfter,
  );
}

/**
 * The `fam` claim, read without verifying the signature: only to pick the counter. A forged token
 * picks a counter of its own and is refused by verification; it still counts against the per-address ceiling.
 */
function familyOf(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { fam?: unknown };
    return typeof claims.fam === 'string' && /^[0-9a-f-]{36}$/.test(claims.fam) ? claims.fam : undefined;
  } catch {
    return undefined;
  }
}
