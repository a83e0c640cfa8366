import { CacheType } from '@app/config';

export interface LocalTierLimits {
  maxEntries: number;
  /** Approximate: the sum of the entries' JSON lengths. */
  maxBytes: number;
}

interface Entry {
  type: CacheType;
  generation: string;
  value: unknown;
  bytes: number;
  expiresAt: number;
}

/**
 * The in-process tier in front of Redis: a least-recently-used map (a `Map` keeps insertion order; a hit
 * moves its entry to the end), bounded by entry count and approximate bytes, each entry dropped at its
 * expiry. Keyed by the full entry key, which embeds the generation the caller has just read from Redis, so it
 * never answers for a generation Redis has replaced: read-your-write stays Redis's. Dropping the types on
 * invalidation only frees memory early.
 *
 * Stored values are JSON copies, deep-frozen: every hit shares them, so nothing may change them (a write
 * throws in strict mode), and they have exactly the shape a Redis hit has (dates as ISO strings), which
 * serialises to the same bytes as the loader's value.
 */
export class LocalTier {
  private readonly entries = new Map<string, Entry>();
  private totalBytes = 0;

  constructor(
    private readonly limits: LocalTierLimits,
    private readonly now: () => number = () => Date.now(),
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  get(key: string): unknown {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) {
      this.totalBytes -= entry.bytes;
      return undefined;
    }
    this.entries.set(key, entry); // most recently used
    return entry.value;
  }

  /**
   * Keeps a frozen JSON copy of `value` under `key` until `expiresAt` (epoch ms), evicting the least recently
   * used entries beyond the bounds. Not kept: null/undefined, an entry already expired or larger than maxBytes.
   */
  set(key: string, scope: { type: CacheType; generation: string }, value: unknown, expiresAt: number): void {
    if (value === undefined || value === null || expiresAt <= this.now()) return;
    const json = JSON.stringify(value);
    if (json === undefined || json.length > this.limits.maxBytes) return;
    this.delete(key);
    const entry = { ...scope, value: deepFreeze(JSON.parse(json) as unknown), bytes: json.length, expiresAt };
    this.entries.set(key, entry);
    this.totalBytes += entry.bytes;
    for (const [oldest, old] of this.entries) {
      if (this.entries.size <= this.limits.maxEntries && this.totalBytes <= this.limits.maxBytes) break;
      this.entries.delete(oldest);
      this.totalBytes -= old.bytes;
    }
  }

  /** Drops the entries of `types`, except those of `keep[type]` (the generation a local write just installed). */
  drop(types: readonly CacheType[], keep: Partial<Record<CacheType, string>> = {}): number {
    let dropped = 0;
    for (const [key, entry] of this.entries) {
      if (!types.includes(entry.type) || keep[entry.type] === entry.generation) continue;
      this.entries.delete(key);
      this.totalBytes -= entry.bytes;
      dropped++;
    }
    return dropped;
  }

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.totalBytes -= entry.bytes;
  }
}

/** Freezes a JSON value and everything in it (JSON.parse output: plain objects, arrays and primitives). */
function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  for (const member of Object.values(value)) deepFreeze(member);
  return Object.freeze(value);
}
