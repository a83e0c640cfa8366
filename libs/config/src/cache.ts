import { durationToSeconds } from './duration';
import { Env } from './env.schema';

/**
 * The cached read types. The string values are part of live Redis keys and of the
 * `DELETE /api/system/cache/:type` route: do not rename them casually.
 */
export const CACHE_TYPES = ['accounts', 'component_versions', 'account_stats', 'templates'] as const;
export type CacheType = (typeof CACHE_TYPES)[number];

export interface CacheSettings {
  /** False: every read goes to PostgreSQL (writes still bump generations, so turning it on again is safe). */
  enabled: boolean;
  /** Time to live per type; the backstop only — writes invalidate at once. */
  ttlMs: { readonly [T in CacheType]: number };
  /** Recompute the default reads of every type at start-up and after each invalidation. */
  warmup: boolean;
  /** How long a miss waits for another replica's load of the same key before loading itself. */
  lockWaitMs: number;
  /** Bound on one cache round trip to Redis; past it the read falls through to PostgreSQL. */
  opTimeoutMs: number;
  /**
   * The in-process tier in front of Redis: entries of this process's reads, keyed by the full entry key (which
   * embeds the generation read from Redis on every request). Bounded by entries and by approximate bytes (the
   * length of each entry's JSON).
   */
  local: { enabled: boolean; maxEntries: number; maxBytes: number };
}

export function cacheSettings(env: Env): CacheSettings {
  const ms = (value: string) => durationToSeconds(value) * 1000;
  return {
    enabled: env.CACHE_ENABLED,
    ttlMs: {
      accounts: ms(env.CACHE_TTL_ACCOUNTS),
      component_versions: ms(env.CACHE_TTL_COMPONENT_VERSIONS),
      account_stats: ms(env.CACHE_TTL_STATS),
      templates: ms(env.CACHE_TTL_TEMPLATES),
    },
    warmup: env.CACHE_WARMUP,
    lockWaitMs: env.CACHE_LOCK_WAIT_MS,
    opTimeoutMs: env.CACHE_OP_TIMEOUT_MS,
    local: {
      enabled: env.CACHE_LOCAL_ENABLED,
      maxEntries: env.CACHE_LOCAL_MAX_ENTRIES,
      maxBytes: env.CACHE_LOCAL_MAX_BYTES,
    },
  };
}
