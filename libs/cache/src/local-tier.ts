import { CacheType } from '@app/config';

export interface LocalTierLimits {
  maxEntries: number;
  /** The sum of the entries' body sizes (their JSON bytes). */
  maxBytes: number;
}

interface Entry {
  type: CacheType;
  generation: string;
  body: Buffer;
  expiresAt: number;
}

/**
 * The in-process tier in front of Redis: a least-recently-used map (a `Map` keeps insertion order; a hit
 * moves its entry to the end), bounded by entry count and bytes, each entry dropped at its
 * expiry. Keyed by the full entry key, which embeds the generation the caller has just read from Redis, so it
 * never answers for a generation Redis has replaced: read-your-write stays Redis's. Dropping the types on
 * invalidation only frees memory early.
 *
 * Stored values are response bodies (the JSON bytes of the loader's value, `JsonBytes`), sent as they are:
 * every hit shares one buffer and nothing writes to it.
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

  get(key: string): Buffer | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) {
      this.totalBytes -= entry.body.length;
      return undefined;
    }
    this.entries.set(key, entry); // most recently used
    return entry.body;
  }

  /**
   * Keeps `body` under `key` until `expiresAt` (epoch ms), evicting the least recently used entries beyond the
   * bounds. Not kept: an entry already expired or larger than maxBytes.
   */
  set(key: string, scope: { type: CacheType; generation: string }, body: Buffer, expiresAt: number): void {
    if (expiresAt <= this.now() || body.length > this.limits.maxBytes) return;
    this.delete(key);
    this.entries.set(key, { type: scope.type, generation: scope.generation, body, expiresAt });
    this.totalBytes += body.length;
    for (const [oldest, old] of this.entries) {
      if (this.entries.size <= this.limits.maxEntries && this.totalBytes <= this.limits.maxBytes) break;
      this.entries.delete(oldest);
      this.totalBytes -= old.body.length;
    }
  }

  /** Drops the entries of `types`, except those of `keep[type]` (the generation a local write just installed). */
  drop(types: readonly CacheType[], keep: Partial<Record<CacheType, string>> = {}): number {
    let dropped = 0;
    for (const [key, entry] of this.entries) {
      if (!types.includes(entry.type) || keep[entry.type] === entry.generation) continue;
      this.entries.delete(key);
      this.totalBytes -= entry.body.length;
      dropped++;
    }
    return dropped;
  }

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.totalBytes -= entry.body.length;
  }
}
