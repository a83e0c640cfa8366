/** Currency marks allowed around a number: RM, Rp, USD, S$, US$, ¥, … */
const SYMBOL = '[$¥￥€£₩₹₱฿₫]';
const PREFIX = `(?:(?:[A-Z]{2,3}|Rp)\\s?${SYMBOL}?|[A-Z]?${SYMBOL})`;
const SUFFIX = '(?:%|元|[A-Z]{3})';
const NUMBER = new RegExp(
  `^([+-]?)\\s*(?:${PREFIX}\\s*)?([+-]?)(\\d{1,3}(?:,\\d{3})+|\\d+)?(?:\\.(\\d*))?(?:[eE]([+-]?\\d{1,3}))?\\s*${SUFFIX}?$`,
);

export interface Decimal {
  negative: boolean;
  /** Digits without leading zeros ('0' for none). */
  whole: string;
  /** Fraction digits as written ('' for none). */
  fraction: string;
}

/**
 * Reads '1,234.50', '-3', '¥12.00', 'RM 12.00', '$1,200', '12.5%', '1.5E+3'. Thousands separators must
 * group by three; a percent sign is dropped without scaling ('12.5%' is 12.5, as in a "rate (%)" column).
 */
export function parseDecimal(raw: string): Decimal | undefined {
  const match = NUMBER.exec(raw.trim());
  if (!match) return undefined;
  const [, sign, innerSign, whole = '', fraction = '', exponent] = match;
  if ((!whole && !fraction) || (sign && innerSign)) return undefined;
  const negative = (sign || innerSign) === '-';
  const digits = whole.replace(/,/g, '');
  return exponent
    ? shifted(negative, digits, fraction, Number(exponent))
    : { negative, whole: stripLeadingZeros(digits), fraction };
}

export function isIntegral(decimal: Decimal): boolean {
  return /^0*$/.test(decimal.fraction);
}

/** Scientific notation, shifted exactly on the digit string (no float rounding). */
function shifted(negative: boolean, whole: string, fraction: string, exponent: number): Decimal {
  const digits = whole + fraction;
  const point = whole.length + exponent;
  const padded = point <= 0 ? '0'.repeat(1 - point) + digits : digits.padEnd(point, '0');
  const at = Math.max(point, 1);
  return { negative, whole: stripLeadingZeros(padded.slice(0, at)), fraction: padded.slice(at).replace(/0+$/, '') };
}

function stripLeadingZeros(digits: string): string {
  return digits.replace(/^0+(?=\d)/, '') || '0';
}
