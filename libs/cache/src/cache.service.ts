import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import Redis from 'ioredis';
import type Keyv from 'keyv';
import { AppConfig, CacheSettings, CacheType } from '@app/config';
import { withTimeout } from '@app/common';
import { InjectRedis } from '@app/redis';
import { CacheInvalidationBus } from './cache-invalidation.bus';
import { CACHE_KEYS, CacheKeys, CacheParams } from './cache-keys';
import { CacheStatsRecorder } from './cache-stats.recorder';
import { InFlight } from './in-flight';
import { JsonBytes, jsonBytes, toJsonBytes } from './json-bytes';
import { LocalTier } from './local-tier';

export type Loader<T> = () => Promise<T>;
interface Warmup {
  params: CacheParams;
  load: Loader<unknown>;
}
type Lock = { key: string; token: string } | 'busy' | 'unavailable';
/** One entry of one generation: where a read looks, and what the local tier files it under. */
interface Slot {
  type: CacheType;
  generation: string;
  key: string;
}
/** An entry: the response body (the JSON bytes of the loader's value) and its expiry. */
interface Stored {
  body: Buffer;
  expiresAt: number;
}

const LOCK_POLL_MS = 20;
const RETRY_INVALIDATION_MS = 1_000;
/**
 * Next generation `{n+1}.{token}`: ARGV[2]'s token (whose entries the caller prefilled) when the current
 * value is still ARGV[1], else ARGV[3]'s (nothing stored under it). Returns the new value.
 */
const SWAP_GENERATION = `local cur = redis.call('get', KEYS[1]) or '0'
local n = tonumber(string.match(cur, '^%d+')) or 0
local token = ARGV[3]
if cur == ARGV[1] then token = ARGV[2] end
local nxt = (n + 1) .. '.' .. token
redis.call('set', KEYS[1], nxt)
return nxt`;
/**
 * The type's generation, created as `0.{ARGV[1]}` when absent (first use, or a Redis that lost its data or
 * evicted the key): every incarnation of the key has its own token, so an entry cached in a process under an
 * earlier one can never be reached again.
 */
const INIT_GENERATION = `local cur = redis.call('get', KEYS[1])
if cur then return cur end
redis.call('set', KEYS[1], ARGV[1])
return ARGV[1]`;
/** Compare-and-delete: a lock is released only by the process that holds it. */
const RELEASE_LOCK = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/**
 * The read-through cache (values in Redis through cache-manager + Keyv; generation counters, locks and
 * pub/sub on the shared ioredis client). One way to cache: `getOrLoad(type, params, loader)`, which answers
 * the JSON bytes of the loader's value (`JsonBytes`): serialised once, when loaded, and sent as they are on
 * every hit. Redis stores the JSON text (a string under Keyv), the local tier its bytes.
 *
 * Read-your-write: a write calls `invalidate(type)` after its commit and before its response. That
 * replaces the type's generation (`{n+1}.{token}`), which every key of the type embeds, so any later
 * read on any replica builds a key filled only from data read after the commit. Where the process has
 * warm-ups registered, it first loads them and stores them under the next generation, then swaps the
 * generation atomically only if nobody else did meanwhile (else it swaps to an empty one): the first
 * readers after a write hit instead of all missing at once.
 *
 * In front of Redis, an in-process tier (`LocalTier`, `CACHE_LOCAL_*`) keyed by the same full key: a read
 * still GETs the generation from Redis, then looks in the process before Redis, so it saves the entry's round
 * trip and its decoding without ever answering for a replaced generation. Invalidations (this process's and,
 * through pub/sub, other processes') drop the types' local entries to free their memory.
 */
@Injectable()
export class CacheService implements OnApplicationShutdown {
  private readonly logger = new Logger(CacheService.name);
  private readonly settings: CacheSettings;
  private readonly inFlight = new InFlight<Buffer>();
  /** Types whose INCR failed (Redis down): read from PostgreSQL here until the INCR succeeds. */
  private readonly unconfirmed = new Set<CacheType>();
  private retryTimer?: NodeJS.Timeout;
  private readonly invalidationListeners: ((types: CacheType[]) => void)[] = [];
  private readonly warmups = new Map<CacheType, Warmup[]>();
  /** Generation reads not sent yet, per type: the callers of one tick share one GET (`generation`). */
  private readonly pendingGenerations = new Map<CacheType, Promise<string>>();
  private readonly local?: LocalTier;
  private readonly entries: Keyv;

  constructor(
    config: AppConfig,
    @Inject(CACHE_MANAGER) private readonly store: Cache,
    @InjectRedis() private readonly redis: Redis,
    @Inject(CACHE_KEYS) private readonly keys: CacheKeys,
    private readonly stats: CacheStatsRecorder,
    private readonly bus: CacheInvalidationBus,
  ) {
    this.settings = config.cache;
    if (this.settings.enabled && this.settings.local.enabled) this.local = new LocalTier(this.settings.local);
    // The Keyv store under cache-manager: read raw, entries come with their expiry (the local copy's too).
    this.entries = store.stores[0];
    bus.onRemote((types) => {
      this.local?.drop(types);
      this.notify(types);
    });
  }

  get enabled(): boolean {
    return this.settings.enabled;
  }

  /**
   * The JSON bytes of the cached value for (type, params), or of the loader's result — stored for the type's
   * TTL. Concurrent misses of one key run the loader once per process, and once across processes while the
   * lock is held. Redis slow or down: the loader's result, within the op timeout, counted as a cache error.
   * Caching off: the loader's result, serialised the same way.
   */
  async getOrLoad<T>(type: CacheType, params: CacheParams, loader: Loader<T>): Promise<JsonBytes<T>> {
    if (!this.settings.enabled) return toJsonBytes(await loader());
    if (this.unconfirmed.has(type)) {
      this.stats.error(type);
      return toJsonBytes(await this.timedLoad(type, loader));
    }
    let slot: Slot;
    let stored: Stored | undefined;
    try {
      slot = await this.slot(type, params);
      const local = this.local?.get(slot.key);
      if (local !== undefined) {
        this.stats.hit(type, 'local');
        return local;
      }
      const running = this.inFlight.get(slot.key);
      if (running) {
        this.stats.miss(type);
        return await running;
      }
      stored = await this.bounded(this.read(slot));
    } catch {
      this.stats.error(type);
      return toJsonBytes(await this.timedLoad(type, loader));
    }
    if (stored) {
      this.keepLocal(slot, stored);
      this.stats.hit(type);
      return stored.body;
    }
    this.stats.miss(type);
    return this.inFlight.run(slot.key, () => this.loadShared(slot, loader));
  }

  /**
   * Refresh-ahead: computes the entry if it is absent and no other process is computing it. Never
   * throws; true when this call loaded it.
   */
  async warm<T>(type: CacheType, params: CacheParams, loader: Loader<T>): Promise<boolean> {
    if (!this.settings.enabled || this.unconfirmed.has(type)) return false;
    try {
      const slot = await this.slot(type, params);
      if (this.local?.get(slot.key) !== undefined || this.inFlight.get(slot.key)) return false;
      const stored = await this.bounded(this.read(slot));
      if (stored) {
        this.keepLocal(slot, stored);
        return false;
      }
      const lock = await this.tryLock(slot.key);
      if (typeof lock === 'string') return false;
      await this.inFlight.run(slot.key, () => this.loadAndStore(slot, loader, lock));
      return true;
    } catch (error) {
      this.logger.warn(`cache warm-up of ${type} failed: ${(error as Error).message}`);
      return false;
    }
  }

  /**
   * Makes every cached entry of the types unreachable, on every replica, before the caller answers.
   * Never throws: while Redis does not answer, this process reads the types from PostgreSQL and retries
   * the INCR every second (other replicas cannot be told then; their entries expire with the TTL).
   */
  async invalidate(...types: CacheType[]): Promise<void> {
    const results = await Promise.allSettled(types.map((type) => this.bump(type)));
    const done: CacheType[] = [];
    const installed: Partial<Record<CacheType, string>> = {};
    for (const [i, type] of types.entries()) {
      const result = results[i];
      if (result.status === 'rejected') this.unconfirmed.add(type);
      else {
        done.push(type);
        installed[type] = result.value;
      }
    }
    if (this.unconfirmed.size) this.scheduleRetry();
    if (done.length) {
      this.local?.drop(done, installed); // keeps what this write prefilled under the generation it installed
      this.bus.publish(done);
      this.notify(done);
    }
  }

  /** Current generation number per type (0 before the first invalidation). */
  async generations(types: readonly CacheType[]): Promise<number[]> {
    const values = await this.bounded(this.redis.mget(types.map((t) => this.keys.generation(t))));
    return values.map((v) => generationNumber(v ?? '0'));
  }

  /** A read to precompute at start-up, before a local write's generation swap, and after remote ones. */
  registerWarmup<T>(type: CacheType, params: CacheParams, load: Loader<T>): void {
    this.warmups.set(type, [...(this.warmups.get(type) ?? []), { params, load }]);
  }

  warmupsOf(type: CacheType): readonly Warmup[] {
    return this.warmups.get(type) ?? [];
  }

  /** Called after every invalidation, local or from another process (for refresh-ahead). */
  onInvalidated(listener: (types: CacheType[]) => void): void {
    this.invalidationListeners.push(listener);
  }

  onApplicationShutdown(): void {
    clearTimeout(this.retryTimer);
  }

  /** The entry of (type, params) under the type's current generation. */
  private async slot(type: CacheType, params: CacheParams): Promise<Slot> {
    const generation = await this.generation(type);
    return { type, generation, key: this.keys.entry(type, generation, params) };
  }

  /**
   * The type's current generation: one GET (an EVAL when the key is absent). The callers of one tick share one
   * GET, sent on the next tick, i.e. after each of them started: each sees every swap that completed before it
   * started, as with a GET of its own (read-your-write). A caller never joins a GET already sent.
   */
  private generation(type: CacheType): Promise<string> {
    let pending = this.pendingGenerations.get(type);
    if (!pending) {
      pending = new Promise<void>((resolve) => process.nextTick(resolve)).then(async () => {
        this.pendingGenerations.delete(type);
        const generationKey = this.keys.generation(type);
        const generation = await this.bounded(this.redis.get(generationKey)); // one timer for the callers
        if (generation !== null) return generation;
        const init = this.redis.eval(INIT_GENERATION, 1, generationKey, `0.${randomUUID().slice(0, 8)}`);
        return String(await this.bounded(init));
      });
      this.pendingGenerations.set(type, pending);
    }
    return pending;
  }

  /** The stored entry (its JSON text, in Keyv's raw record with the expiry), or undefined. */
  private async read(slot: Slot): Promise<Stored | undefined> {
    const raw = await this.entries.getRaw<unknown>(slot.key);
    if (typeof raw?.value !== 'string') return undefined;
    return { body: jsonBytes(raw.value), expiresAt: raw.expires ?? Date.now() + this.settings.ttlMs[slot.type] };
  }

  /** A freshly loaded entry of `type` from its JSON text: expires after the type's TTL. */
  private fresh(type: CacheType, text: string): Stored {
    return { body: jsonBytes(text), expiresAt: Date.now() + this.settings.ttlMs[type] };
  }

  private keepLocal(slot: Slot, stored: Stored): void {
    this.local?.set(slot.key, slot, stored.body, stored.expiresAt);
  }

  /** Swaps the type's generation; resolves with the one installed. */
  private async bump(type: CacheType): Promise<string> {
    const generationKey = this.keys.generation(type);
    const [token, emptyToken] = [randomUUID().slice(0, 8), randomUUID().slice(0, 8)];
    const expected = await this.prefill(type, token).catch(() => '');
    const installed = await this.bounded(
      this.redis.eval(SWAP_GENERATION, 1, generationKey, expected, token, emptyToken),
    );
    this.unconfirmed.delete(type);
    this.stats.invalidated(type);
    return String(installed);
  }

  /**
   * Stores this process's warm-ups of `type`, loaded now (after the caller's commit), under the next
   * generation; resolves with the generation they follow ('' when there is nothing to prefill).
   */
  private async prefill(type: CacheType, token: string): Promise<string> {
    const warmups = this.settings.enabled && this.settings.warmup ? this.warmupsOf(type) : [];
    if (!warmups.length) return '';
    const current = (await this.bounded(this.redis.get(this.keys.generation(type)))) ?? '0';
    const next = `${generationNumber(current) + 1}.${token}`;
    const values = await Promise.all(warmups.map(({ load }) => this.timedLoad(type, load)));
    await Promise.all(
      values.map(async (value, i) => {
        const slot = { type, generation: next, key: this.keys.entry(type, next, warmups[i].params) };
        const text = JSON.stringify(value);
        await this.bounded(this.store.set(slot.key, text, this.settings.ttlMs[type]));
        this.keepLocal(slot, this.fresh(type, text));
      }),
    );
    return current;
  }

  private scheduleRetry(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.invalidate(...this.unconfirmed);
    }, RETRY_INVALIDATION_MS);
    this.retryTimer.unref();
  }

  private notify(types: CacheType[]): void {
    for (const listener of this.invalidationListeners) listener(types);
  }

  /** One load per key across replicas: the lock holder loads; others wait (bounded) for its entry. */
  private async loadShared(slot: Slot, loader: Loader<unknown>): Promise<Buffer> {
    const lock = await this.tryLock(slot.key);
    if (lock === 'busy') {
      const stored = await this.waitForEntry(slot);
      if (stored) {
        this.keepLocal(slot, stored);
        return stored.body;
      }
    }
    return this.loadAndStore(slot, loader, typeof lock === 'string' ? undefined : lock);
  }

  private async loadAndStore(
    slot: Slot,
    loader: Loader<unknown>,
    lock?: { key: string; token: string },
  ): Promise<Buffer> {
    const { type, key } = slot;
    try {
      const text = JSON.stringify(await this.timedLoad(type, loader));
      await this.bounded(this.store.set(key, text, this.settings.ttlMs[type])).catch(() => this.stats.error(type));
      // Even when Redis did not take it: the key's generation was read from Redis, and is again on every read.
      const stored = this.fresh(type, text);
      this.keepLocal(slot, stored);
      return stored.body;
    } finally {
      if (lock) this.redis.eval(RELEASE_LOCK, 1, lock.key, lock.token).catch(() => undefined);
    }
  }

  private async tryLock(key: string): Promise<Lock> {
    const lockKey = this.keys.lock(key);
    const token = randomUUID();
    const ttl = Math.max(5_000, this.settings.lockWaitMs * 2);
    try {
      const set = await this.bounded(this.redis.set(lockKey, token, 'PX', ttl, 'NX'));
      return set === 'OK' ? { key: lockKey, token } : 'busy';
    } catch {
      return 'unavailable';
    }
  }

  private async waitForEntry(slot: Slot): Promise<Stored | undefined> {
    const deadline = Date.now() + this.settings.lockWaitMs;
    while (Date.now() < deadline) {
      await sleep(LOCK_POLL_MS);
      const stored = await this.bounded(this.read(slot)).catch(() => undefined);
      if (stored) return stored;
    }
    return undefined;
  }

  private async timedLoad<T>(type: CacheType, loader: Loader<T>): Promise<T> {
    const started = performance.now();
    const value = await loader();
    this.stats.loaded(type, performance.now() - started);
    return value;
  }

  private bounded<T>(work: Promise<T>): Promise<T> {
    return withTimeout(
      work,
      this.settings.opTimeoutMs,
      `cache: Redis did not answer within ${this.settings.opTimeoutMs} ms`,
    );
  }
}

function generationNumber(value: string): number {
  return parseInt(value, 10) || 0;
}
