import { Logger } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import Redis from 'ioredis';
import { CacheType, loadConfig } from '@app/config';
import { CacheInvalidationBus } from './cache-invalidation.bus';
import { CacheKeys } from './cache-keys';
import { CacheStatsRecorder } from './cache-stats.recorder';
import { CacheService } from './cache.service';
import { parseJsonBytes } from './json-bytes';

/**
 * Redis as CacheService uses it: GET, SET NX PX (locks), PUBLISH, and its three scripts (told apart by their
 * text). Entries live in a second map standing for the Keyv store, as Keyv keeps them (the value JSON-encoded).
 */
class FakeRedis {
  readonly data = new Map<string, string>();
  readonly entries = new Map<string, { json: string; expires: number }>();
  down = false;

  get = jest.fn((key: string) => this.up(() => this.data.get(key) ?? null));
  set = jest.fn((key: string, value: string, ..._options: unknown[]) =>
    this.up(() => {
      if (this.data.has(key)) return null;
      this.data.set(key, value);
      return 'OK';
    }),
  );
  publish = jest.fn(() => Promise.resolve(1));
  eval = jest.fn((script: string, _n: number, key: string, ...args: string[]) =>
    this.up(() => {
      const current = this.data.get(key);
      if (script.includes("'del'")) return current === args[0] ? Number(this.data.delete(key)) : 0;
      if (script.includes('if cur then return cur end')) {
        if (current === undefined) this.data.set(key, args[0]);
        return this.data.get(key);
      }
      const cur = current ?? '0';
      const next = `${(parseInt(cur, 10) || 0) + 1}.${cur === args[0] ? args[1] : args[2]}`;
      this.data.set(key, next);
      return next;
    }),
  );
  /** The cache-manager Cache: set through it, raw reads through its Keyv store. */
  readonly store = {
    set: jest.fn((key: string, value: unknown, ttl: number) =>
      this.up(() => {
        this.entries.set(key, { json: JSON.stringify(value), expires: Date.now() + ttl });
        return value;
      }),
    ),
    stores: [
      {
        getRaw: jest.fn((key: string) =>
          this.up(() => {
            const entry = this.entries.get(key);
            if (!entry || entry.expires < Date.now()) return undefined;
            return { value: JSON.parse(entry.json) as unknown, expires: entry.expires };
          }),
        ),
      },
    ],
  };

  private up<T>(work: () => T): Promise<T> {
    return this.down ? Promise.reject(new Error('Connection is closed.')) : Promise.resolve(work());
  }
}

const PARAMS = { page: 1, page_size: 20 };
const page = (name: string) => ({
  items: [{ id: 1, name, created_at: new Date('2026-03-04T05:06:07.089Z'), notes: null }],
  total: 1,
});

describe(CacheService.name, () => {
  let redis: FakeRedis;
  let stats: jest.Mocked<Pick<CacheStatsRecorder, 'hit' | 'miss' | 'error' | 'loaded' | 'invalidated'>>;
  let remote: ((types: CacheType[]) => void)[];

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    redis = new FakeRedis();
    stats = { hit: jest.fn(), miss: jest.fn(), error: jest.fn(), loaded: jest.fn(), invalidated: jest.fn() };
    remote = [];
  });

  function service(env: Record<string, string> = {}): CacheService {
    const config = loadConfig('single', {
      NODE_ENV: 'test',
      JWT_SECRET: 'x'.repeat(40),
      DATA_DIR: '/nonexistent',
      ...env,
    });
    const bus = { publish: jest.fn(), onRemote: (listener: (types: CacheType[]) => void) => remote.push(listener) };
    return new CacheService(
      config,
      redis.store as unknown as Cache,
      redis as unknown as Redis,
      new CacheKeys('t'),
      stats as unknown as CacheStatsRecorder,
      bus as unknown as CacheInvalidationBus,
    );
  }
  const rawReads = () => redis.store.stores[0].getRaw.mock.calls.length;
  const localHits = () => stats.hit.mock.calls.filter(([, tier]) => tier === 'local').length;

  it('answers a repeated read from the process: one generation GET, no entry read from Redis, no load', async () => {
    const cache = service();
    const loader = jest.fn(() => Promise.resolve(page('a')));
    await cache.getOrLoad('accounts', PARAMS, loader);
    const [gets, reads] = [redis.get.mock.calls.length, rawReads()];

    const again = await cache.getOrLoad('accounts', PARAMS, loader);
    expect(loader).toHaveBeenCalledTimes(1);
    expect(redis.get.mock.calls.length - gets).toBe(1); // the generation, read on every request
    expect(rawReads()).toBe(reads);
    expect(localHits()).toBe(1);
    expect(stats.hit).toHaveBeenCalledWith('accounts', 'local');
    expect(again.toString()).toBe(JSON.stringify(page('a')));
  });

  it('sends one generation GET for the reads of one tick, and never lets a later read join a GET already sent', async () => {
    const writer = service();
    const reader = service();
    await reader.getOrLoad('accounts', PARAMS, () => Promise.resolve(page('before')));
    const gets = redis.get.mock.calls.length;
    const same = await Promise.all(
      Array.from({ length: 10 }, () => reader.getOrLoad('accounts', PARAMS, () => Promise.resolve(page('unused')))),
    );
    expect(redis.get.mock.calls.length - gets).toBe(1);
    expect(new Set(same.map(String))).toEqual(new Set([JSON.stringify(page('before'))]));

    // A GET Redis answered before a write's swap, whose reply is still on its way when the write has answered.
    let release!: () => void;
    const late = new Promise<void>((resolve) => (release = resolve));
    const read = redis.get.getMockImplementation()!;
    redis.get.mockImplementationOnce(async (key: string) => {
      const value = await read(key);
      await late;
      return value;
    });
    const early = reader.getOrLoad('accounts', PARAMS, () => Promise.resolve(page('unused')));
    await new Promise((resolve) => setImmediate(resolve)); // its GET is sent
    await writer.invalidate('accounts');
    const after = await reader.getOrLoad('accounts', PARAMS, () => Promise.resolve(page('after')));
    expect(parseJsonBytes(after).items[0].name).toBe('after');
    release();
    expect(parseJsonBytes(await early).items[0].name).toBe('before'); // it started before the write answered
  });

  it('answers the bytes JSON.stringify gives the value, the same from the loader, the process and Redis', async () => {
    const expected = JSON.stringify(page('ä "quoted" \u2028 😀'));
    const loader = () => Promise.resolve(page('ä "quoted" \u2028 😀'));
    const cache = service();
    const loaded = await cache.getOrLoad('accounts', PARAMS, loader);
    const fromProcess = await cache.getOrLoad('accounts', PARAMS, loader);
    const fromRedis = await service().getOrLoad('accounts', PARAMS, loader);
    const uncached = await service({ CACHE_ENABLED: 'false' }).getOrLoad('accounts', PARAMS, loader);
    for (const body of [loaded, fromProcess, fromRedis, uncached]) expect(body.toString('utf8')).toBe(expected);
    expect(fromProcess).toBe(loaded); // one shared buffer per entry
    expect([...redis.entries.values()].map((e) => JSON.parse(e.json) as unknown)).toEqual([expected]); // JSON text in Redis
  });

  it('fills the process tier from a Redis hit (another process loaded it), with the entry expiry', async () => {
    const other = service();
    await other.getOrLoad('accounts', PARAMS, () => Promise.resolve(page('a')));
    const cache = service();
    const loader = jest.fn(() => Promise.resolve(page('unused')));
    await cache.getOrLoad('accounts', PARAMS, loader); // Redis hit
    const reads = rawReads();
    expect((await cache.getOrLoad('accounts', PARAMS, loader)).toString()).toBe(JSON.stringify(page('a')));
    expect(rawReads()).toBe(reads);
    expect(loader).not.toHaveBeenCalled();

    jest.useFakeTimers({ now: Date.now() + 5 * 60_000 + 1, doNotFake: ['nextTick', 'setImmediate'] });
    try {
      await cache.getOrLoad('accounts', PARAMS, loader);
      expect(loader).toHaveBeenCalledTimes(1);
    } finally {
      jest.useRealTimers();
    }
  });

  it('reads fresh data after another process invalidates, even if its pub/sub message never arrives', async () => {
    const writer = service();
    const reader = service();
    await reader.getOrLoad('accounts', PARAMS, () => Promise.resolve(page('before')));
    await writer.invalidate('accounts'); // a write elsewhere; `remote` listeners are never called
    const after = await reader.getOrLoad('accounts', PARAMS, () => Promise.resolve(page('after')));
    expect(parseJsonBytes(after).items[0].name).toBe('after');
  });

  it('drops a type from the process tier when another process invalidates it (memory, not correctness)', async () => {
    const cache = service();
    const loader = jest.fn(() => Promise.resolve(page('a')));
    await cache.getOrLoad('accounts', PARAMS, loader);
    await cache.getOrLoad('account_stats', {}, () => Promise.resolve({ total: 1 }));
    const reads = rawReads();
    for (const listener of remote) listener(['accounts']);
    await cache.getOrLoad('accounts', PARAMS, loader); // same generation: found in Redis again
    await cache.getOrLoad('account_stats', {}, () => Promise.resolve({ total: 2 }));
    expect(rawReads() - reads).toBe(1);
    expect(loader).toHaveBeenCalledTimes(1);
  });

  it('serves what a local write prefilled from the process, without a load or a Redis entry read', async () => {
    const cache = service();
    let name = 'before';
    const loader = jest.fn(() => Promise.resolve(page(name)));
    cache.registerWarmup('accounts', PARAMS, loader);
    await cache.getOrLoad('accounts', PARAMS, loader);
    name = 'after';
    await cache.invalidate('accounts'); // prefills under the next generation, then swaps it in
    expect(loader).toHaveBeenCalledTimes(2);
    const reads = rawReads();
    const next = await cache.getOrLoad('accounts', PARAMS, loader);
    expect(parseJsonBytes(next).items[0].name).toBe('after');
    expect(loader).toHaveBeenCalledTimes(2);
    expect(rawReads()).toBe(reads);
    expect(localHits()).toBe(1);
  });

  it('never reaches an entry cached before Redis lost its data (a new generation token, not "0" again)', async () => {
    const cache = service();
    await cache.getOrLoad('accounts', PARAMS, () => Promise.resolve(page('before')));
    redis.data.clear();
    redis.entries.clear();
    const after = await cache.getOrLoad('accounts', PARAMS, () => Promise.resolve(page('after')));
    expect(parseJsonBytes(after).items[0].name).toBe('after');
    expect(redis.data.get('t:cache:gen:accounts')).toMatch(/^0\.[0-9a-f]{8}$/);
  });

  it('answers from PostgreSQL while Redis is down, never from the process tier', async () => {
    const cache = service({ CACHE_OP_TIMEOUT_MS: '50' });
    await cache.getOrLoad('accounts', PARAMS, () => Promise.resolve(page('before')));
    redis.down = true;
    const during = await cache.getOrLoad('accounts', PARAMS, () => Promise.resolve(page('during')));
    expect(parseJsonBytes(during).items[0].name).toBe('during');
    expect(stats.error).toHaveBeenCalledWith('accounts');
  });

  it('reads every hit from Redis with CACHE_LOCAL_ENABLED=false', async () => {
    const cache = service({ CACHE_LOCAL_ENABLED: 'false' });
    const loader = jest.fn(() => Promise.resolve(page('a')));
    for (let i = 0; i < 3; i++) await cache.getOrLoad('accounts', PARAMS, loader);
    expect(loader).toHaveBeenCalledTimes(1);
    expect(rawReads()).toBe(3);
    expect(localHits()).toBe(0);
  });
});
