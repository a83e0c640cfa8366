import { LocalTier } from './local-tier';

const ACCOUNTS = { type: 'accounts', generation: '3.aaaa' } as const;
const STATS = { type: 'account_stats', generation: '1.bbbb' } as const;

describe(LocalTier.name, () => {
  let now: number;
  const tier = (maxEntries = 100, maxBytes = 1_000_000) => new LocalTier({ maxEntries, maxBytes }, () => now);
  beforeEach(() => (now = 1_000_000));

  it('answers a stored value until its expiry, and nothing after it', () => {
    const local = tier();
    local.set('k', ACCOUNTS, { n: 1 }, now + 5_000);
    expect(local.get('k')).toEqual({ n: 1 });
    now += 4_999;
    expect(local.get('k')).toEqual({ n: 1 });
    now += 1;
    expect(local.get('k')).toBeUndefined();
    expect(local.size).toBe(0);
    expect(local.bytes).toBe(0);
  });

  it('keeps a deep-frozen JSON copy: shared by every hit, unchangeable, dates as ISO strings like a Redis hit', () => {
    const local = tier();
    const created = new Date('2026-01-02T03:04:05.678Z');
    const value = { items: [{ id: 1, name: 'a', created_at: created, notes: null }], total: 1 };
    local.set('k', ACCOUNTS, value, now + 1_000);
    const hit = local.get('k') as { items: { name: string; created_at: unknown }[]; total: number };

    expect(JSON.stringify(hit)).toBe(JSON.stringify(value));
    expect(hit.items[0].created_at).toBe('2026-01-02T03:04:05.678Z');
    expect(local.get('k')).toBe(hit);
    expect(() => (hit.items[0].name = 'changed')).toThrow(TypeError);
    expect(() => hit.items.push({ name: 'x', created_at: null })).toThrow(TypeError);
    expect(() => (hit.total = 2)).toThrow(TypeError);
    value.items[0].name = 'changed by the loader caller'; // the caller's own object stays its own
    expect((local.get('k') as typeof hit).items[0].name).toBe('a');
  });

  it('evicts the least recently used entry beyond the entry bound', () => {
    const local = tier(2);
    local.set('a', ACCOUNTS, 1, now + 1_000);
    local.set('b', ACCOUNTS, 2, now + 1_000);
    local.get('a'); // b is now the least recently used
    local.set('c', ACCOUNTS, 3, now + 1_000);
    expect([local.get('a'), local.get('b'), local.get('c')]).toEqual([1, undefined, 3]);
    expect(local.size).toBe(2);
  });

  it('evicts by approximate bytes (JSON length), and does not keep an entry larger than the bound', () => {
    const local = tier(100, 25);
    local.set('a', ACCOUNTS, 'x'.repeat(8), now + 1_000); // "xxxxxxxx" = 10 chars
    local.set('b', ACCOUNTS, 'y'.repeat(8), now + 1_000);
    expect(local.bytes).toBe(20);
    local.set('c', ACCOUNTS, 'z'.repeat(8), now + 1_000);
    expect([local.get('a'), local.get('b'), local.get('c')]).toEqual([undefined, 'y'.repeat(8), 'z'.repeat(8)]);
    expect(local.bytes).toBe(20);
    local.set('big', ACCOUNTS, 'w'.repeat(30), now + 1_000);
    expect(local.get('big')).toBeUndefined();
    expect(local.size).toBe(2);
  });

  it('replaces an entry stored again under the same key, counting its bytes once', () => {
    const local = tier();
    local.set('k', ACCOUNTS, 'aa', now + 1_000);
    local.set('k', ACCOUNTS, 'bbbb', now + 1_000);
    expect(local.get('k')).toBe('bbbb');
    expect([local.size, local.bytes]).toEqual([1, 6]);
  });

  it('keeps nothing for null, undefined or an entry already expired', () => {
    const local = tier();
    local.set('a', ACCOUNTS, null, now + 1_000);
    local.set('b', ACCOUNTS, undefined, now + 1_000);
    local.set('c', ACCOUNTS, 1, now);
    expect(local.size).toBe(0);
  });

  it('drops the entries of the given types, except those of a generation to keep', () => {
    const local = tier();
    local.set('old', ACCOUNTS, 1, now + 1_000);
    local.set('new', { type: 'accounts', generation: '4.cccc' }, 2, now + 1_000);
    local.set('stats', STATS, 3, now + 1_000);
    expect(local.drop(['accounts'], { accounts: '4.cccc' })).toBe(1);
    expect([local.get('old'), local.get('new'), local.get('stats')]).toEqual([undefined, 2, 3]);
    expect(local.drop(['accounts', 'account_stats'])).toBe(2);
    expect([local.size, local.bytes]).toEqual([0, 0]);
  });
});
