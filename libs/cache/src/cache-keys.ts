import { createHash } from 'node:crypto';
import { CacheType } from '@app/config';

export const CACHE_KEYS = Symbol('CACHE_KEYS');

/**
 * What an entry holds, in every entry key's hash: 2 = the JSON text of the value (1 was the value itself).
 * Bump it when that changes, so processes of two versions sharing one Redis (a rolling deploy) never read
 * each other's entries.
 */
const ENTRY_FORMAT = 2;
/** Hashes of recent parameter sets (a hot read repeats a few): bounded, cleared when full. */
const MAX_MEMO = 1_000;

/** Query parameters of a cached read; undefined values are left out of the key. */
export type CacheParams = Readonly<Record<string, string | number | boolean | null | undefined>>;

/**
 * The only place cache keys are made. Values: `{prefix}:cache:{type}:{generation}:{sha1(format, params)}`;
 * the generation is a per-type counter (`{prefix}:cache:gen:{type}`) that every write bumps, so an
 * invalidation is one INCR and old entries are never read again (their TTL removes them).
 */
export class CacheKeys {
  private readonly hashes = new Map<string, string>();

  constructor(private readonly prefix: string) {}

  entry(type: CacheType, generation: string, params: CacheParams): string {
    return `${this.prefix}:cache:${type}:${generation}:${this.hash(params)}`;
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

  private hash(params: CacheParams): string {
    const normalised = normaliseParams(params);
    let hash = this.hashes.get(normalised);
    if (hash === undefined) {
      if (this.hashes.size >= MAX_MEMO) this.hashes.clear();
      hash = createHash('sha1').update(`${ENTRY_FORMAT}:${normalised}`).digest('hex');
      this.hashes.set(normalised, hash);
    }
    return hash;
  }
}

/** Same parameters in any order, with or without undefined members → same hash. */
export function normaliseParams(params: CacheParams): string {
  const entries = Object.entries(params)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(entries);
}
