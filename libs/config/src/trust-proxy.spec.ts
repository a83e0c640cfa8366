import { loadConfig } from './app-config';
import { parseTrustProxy } from './trust-proxy';

describe('parseTrustProxy', () => {
  it('reads a hop count, none, or a list of addresses, CIDRs and named ranges', () => {
    expect(parseTrustProxy('2')).toBe(2);
    expect(parseTrustProxy('none')).toBe(false);
    expect(parseTrustProxy('0')).toBe(false);
    expect(parseTrustProxy('loopback')).toEqual(['loopback']);
    expect(parseTrustProxy(' loopback, 10.0.0.0/8 ,fd00::/8,192.0.2.7 ')).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fd00::/8',
      '192.0.2.7',
    ]);
  });

  it('rejects what is none of these, so start-up names the variable', () => {
    for (const bad of ['', 'yes', '10.0.0.0/33', '10.0.0/8', 'fd00::/129', '1.2.3.4/8/1', '33', 'loopback,*']) {
      expect({ value: bad, parsed: parseTrustProxy(bad) }).toEqual({ value: bad, parsed: undefined });
    }
  });
});

describe('TRUST_PROXY in loadConfig', () => {
  it('stops start-up naming the variable when it is not a hop count or address list', () => {
    const env = { DATA_DIR: '/nonexistent', JWT_SECRET: 'x'.repeat(40) };
    expect(() => loadConfig('single', { ...env, TRUST_PROXY: '0.0.0.0/0/0' })).toThrow(/TRUST_PROXY/);
    expect(loadConfig('single', { ...env, TRUST_PROXY: '1' }).app.trustProxy).toBe(1);
  });
});
