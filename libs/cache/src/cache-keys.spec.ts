import { createHash } from 'node:crypto';
import { CacheKeys, normaliseParams } from './cache-keys';
import { InFlight } from './in-flight';

describe(CacheKeys.name, () => {
  const keys = new CacheKeys('pfx');

  it('builds one key for the same parameters in any order, with or without undefined members', () => {
    const a = keys.entry('accounts', '3.ab', { platform: 'shopee', page: 1, q: undefined });
    const b = keys.entry('accounts', '3.ab', { page: 1, platform: 'shopee' });
    expect(a).toBe(b);
    expect(a).toMatch(/^pfx:cache:accounts:3\.ab:[0-9a-f]{40}$/);
  });

  it('hashes the entry format with the parameters, so two formats never share a key', () => {
    const params = { platform: 'shopee', page: 1 };
    const hash = (text: string) => createHash('sha1').update(text).digest('hex');
    expect(keys.entry('accounts', '3.ab', params)).toBe(
      `pfx:cache:accounts:3.ab:${hash(`2:${normaliseParams(params)}`)}`,
    );
    expect(keys.entry('accounts', '3.ab', params)).not.toContain(hash(normaliseParams(params)));
  });

  it('keeps values of different types and different generations apart', () => {
    expect(normaliseParams({ enabled: true })).not.toBe(normaliseParams({ enabled: 'true' }));
    expect(keys.entry('accounts', '1.x', {})).not.toBe(keys.entry('accounts', '2.y', {}));
    expect(keys.entry('accounts', '1.x', {})).not.toBe(keys.entry('templates', '1.x', {}));
  });

  it('places generations, locks and stats outside every type pattern', () => {
    const entry = keys.entry('accounts', '1.x', {});
    const pattern = new RegExp(`^${keys.entryPattern('accounts').replace('*', '.*')}$`);
    expect(entry).toMatch(pattern);
    for (const other of [keys.generation('accounts'), keys.lock(entry), keys.stats('accounts'), keys.statsSince()]) {
      expect(other).not.toMatch(pattern);
    }
    expect(keys.lock(entry)).toBe(`pfx:cache:lock:${entry.slice('pfx:cache:'.length)}`);
  });
});

describe(InFlight.name, () => {
  it('runs concurrent work for one key once and forgets it when settled', async () => {
    const flights = new InFlight<number>();
    let calls = 0;
    const work = async () => {
      calls++;
      await new Promise((resolve) => setImmediate(resolve));
      return calls;
    };
    const results = await Promise.all(Array.from({ length: 10 }, () => flights.run('k', work)));
    expect(results).toEqual(Array(10).fill(1));
    expect(flights.get('k')).toBeUndefined();
    await flights.run('k', work);
    expect(calls).toBe(2);
  });

  it('shares a rejection and lets the next call retry', async () => {
    const flights = new InFlight<number>();
    await expect(
      Promise.all([
        flights.run('k', () => Promise.reject(new Error('db down'))),
        flights.run('k', () => Promise.resolve(1)),
      ]),
    ).rejects.toThrow('db down');
    await expect(flights.run('k', () => Promise.resolve(2))).resolves.toBe(2);
  });
});
