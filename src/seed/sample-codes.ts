// Ids, codes and amounts in the shapes the exports use.

export const DIGITS = '0123456789';
export const UPPER_ALNUM = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';

/** Fixed-width sequence code; uniqueness of generated ids rests on it. */
export function seq(index: number, width: number, radix = 10): string {
  return index.toString(radix).toUpperCase().padStart(width, '0');
}

/**
 * Fixed-width code that looks random yet stays unique: multiplying by a prime coprime to the radix
 * permutes 0..radix^width-1.
 */
export function scrambled(index: number, width: number, radix = 10): string {
  const modulus = radix ** width;
  if (index >= modulus) throw new Error(`sample id space exhausted (${index} >= ${modulus})`);
  return seq((index * 1_000_003 + 7_777) % modulus, width, radix);
}

export function cents(amount: number): string {
  return (amount / 100).toFixed(2);
}
