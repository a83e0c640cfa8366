import { LocalTier } from './local-tier';

const body = (text: string) => Buffer.from(text);

const ACCOUNTS = { type: 'accounts', generation: '3.aaaa' } as const;
const STATS = { type: 'account_stats', generation: '1.bbbb' } as const;

describe(LocalTier.name, () => {
  let now: number;
  const tier = (maxEntries = 100, maxBytes = 1_000_000) => new LocalTier({ maxEntries, maxBytes }, () => now);
  beforeEach(() => (now = 1_000_000));

  it('answers a stored value until its expiry, and nothing after it', () => {
    const local = tier();
    const stored = body('{"n":1}');
    local.set('k', ACCOUNTS, stored, now + 5_000);
    expect(local.get('k')).toBe(stored);
    now += 4_999;
    expect(local.get('k')).toBe(stored);
    now += 1;
    expect(local.get('k')).toBeUndefined();
    expect(local.size).toBe(0);
    expect(local.bytes).toBe(0);
  });

  it('evicts the least recently used entry beyond the entry bound', () => {
    const local = tier(2);
    local.set('a', ACCOUNTS, body('1'), now + 1_000);
    local.set('b', ACCOUNTS, body('2'), now + 1_000);
    local.get('a'); // b is now the least recently used
    local.set('c', ACCOUNTS, body('3'), now + 1_000);
    expect([local.get('a'), local.get('b'), local.get('c')].map(String)).toEqual(['1', 'undefined', '3']);
    expect(local.size).toBe(2);
  });

  it('evicts by bytes, and does not keep an entry larger than the bound', () => {
    const local = tier(100, 25);
    local.set('a', ACCOUNTS, body('"xxxxxxxx"'), now + 1_000); // 10 bytes
    local.set('b', ACCOUNTS, body('"yyyyyyyy"'), now + 1_000);
    expect(local.bytes).toBe(20);
    local.set('c', ACCOUNTS, body('"zzzzzzzz"'), now + 1_000);
    expect([local.get('a'), local.get('b'), local.get('c')].map(String)).toEqual([
      'undefined',
      '"yyyyyyyy"',
      '"zzzzzzzz"',
    ]);
    expect(local.bytes).toBe(20);
    local.set('big', ACCOUNTS, body('w'.repeat(30)), now + 1_000);
    expect(local.get('big')).toBeUndefined();
    expect(local.size).toBe(2);
  });

  it('replaces an entry stored again under the same key, counting its bytes once', () => {
    const local = tier();
    local.set('k', ACCOUNTS, body('"aa"'), now + 1_000);
    local.set('k', ACCOUNTS, body('"bbbb"'), now + 1_000);
    expect(String(local.get('k'))).toBe('"bbbb"');
    expect([local.size, local.bytes]).toEqual([1, 6]);
  });

  it('keeps nothing for an entry already expired', () => {
    const local = tier();
    local.set('c', ACCOUNTS, body('1'), now);
    expect(local.size).toBe(0);
  });

  it('drops the entries of the given types, except those of a generation to keep', () => {
    const local = tier();
    local.set('old', ACCOUNTS, body('1'), now + 1_000);
    local.set('new', { type: 'accounts', generation: '4.cccc' }, body('2'), now + 1_000);
    local.set('stats', STATS, body('3'), now + 1_000);
    expect(local.drop(['accounts'], { accounts: '4.cccc' })).toBe(1);
    expect([local.get('old'), local.get('new'), local.get('stats')].map(String)).toEqual(['undefined', '2', '3']);
    expect(local.drop(['accounts', 'account_stats'])).toBe(2);
    expect([local.size, local.bytes]).toEqual([0, 0]);
  });
});
