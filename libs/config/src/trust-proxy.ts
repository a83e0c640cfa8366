import { isIP } from 'node:net';

/** Fastify's `trustProxy`: a hop count, or the peers (addresses, CIDRs, proxy-addr's named ranges) to believe. */
export type TrustProxy = number | string[] | false;

const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrCidr(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address);
  if (!family || extra !== undefined) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

export function isTrustProxy(value: string): boolean {
  return parseTrustProxy(value) !== undefined;
}

/**
 * `TRUST_PROXY`: `2` trusts the two nearest hops whatever they are (a fixed chain, e.g. balancer + Nginx);
 * `loopback,10.0.0.0/8` trusts X-Forwarded-For only when the peer is in those ranges; `none` (or 0) never.
 * Undefined when the value is none of these.
 */
export function parseTrustProxy(value: string): TrustProxy | undefined {
  const text = value.trim();
  if (text === 'none' || text === 'false') return false;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops === 0) return false;
    return hops <= 32 ? hops : undefined;
  }
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  return entries.length && entries.every(isAddressOrCidr) ? entries : undefined;
}
