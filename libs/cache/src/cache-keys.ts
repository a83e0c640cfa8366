import { createHash } from 'node:crypto';
import { CacheType } from '@app/config';

export const CACHE_KEYS = Symbol('CACHE_KEYS');

/** Query parameters of a cached read; undefined values are left out of the key. */
export type CacheParams = Readonly<Record<string, string | number | boolean | null | undefined>>;

/**
 * The only place cache keys are made. Values: `{prefix}:cache:{type}:{generation}:{sha1(params)}`;
 * the generation is a per-type counter (`{prefix}:cache:gen:{type}`) that every write bumps, so an
 * invalidation is one INCR and old entries are never read again (their TTL removes them).
 */
export class CacheKeys {
  constructor(private readonly prefix: string) {}

  entry(type: CacheType, generation: string, params: CacheParams): string {
    return `${this.prefix}:cache:${type}:${generation}:${hashParams(params)}`;
  }

  /** Every entry of a type, all generations: for counting keys and bytes, never for invalidation. */
  entryPattern(type: CacheType): string {
    return `${this.prefix}:cache:${type}:*`;
  }

  generation(type: CacheType): string {
    return `${this.prefix}:cache:gen:${type}`;
  }

  /** The cross-replica single-flight lock of one entry. */
  lock(entryKey: string): string {
    return `${this.prefix}:cache:lock:${entryKey.slice(this.prefix.length + ':cache:'.length)}`;
  }

  stats(type: CacheType): string {
    return `${this.prefix}:cache:stats:${type}`;
  }

  /** When the stats counters started (epoch ms); set once, with the first counted request. */
  statsSince(): string {
    return `${this.prefix}:cache:stats-since`;
  }

  /** Pub/sub channel of invalidations, so every replica refreshes ahead. */
  channel(): string {
    return `${this.prefix}:cache:invalidated`;
  }
}

/** Same parameters in any order, with or without undefined members → same hash. */
export function normaliseParams(params: CacheParams): string {
  const entries = Object.entries(params)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(entries);
}

function hashParams(params: CacheParams): string {
  return createHash('sha1').update(normaliseParams(params)).digest('hex');
}
