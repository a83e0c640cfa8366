import { dateText, dateTimeText, parseDateTime } from './date-values';
import { decimalText, isIntegral, parseDecimal } from './number-values';

/** The type of a template column; cells of that column are checked and canonicalised by parseTyped. */
export type ColumnType = 'text' | 'number' | 'integer' | 'date' | 'datetime';

export type ParseResult = { ok: true; value: string | null } | { ok: false; reason: string };

const EMPTY: ParseResult = { ok: true, value: null };

/**
 * Canonical text of a cell for its column type; empty cells are null for every type.
 * number → plain decimal ('1,234.50' → '1234.50', fraction digits kept as written); integer → '1200';
 * date → 'YYYY-MM-DD'; datetime → 'YYYY-MM-DD HH:mm:ss'; text → as is. Accepted forms: see parseDecimal
 * and parseDateTime.
 */
export function parseTyped(type: ColumnType, raw: string): ParseResult {
  if (!raw.trim()) return EMPTY;
  switch (type) {
    case 'text':
      return { ok: true, value: raw };
    case 'number':
    case 'integer':
      return typedNumber(type, raw);
    case 'date':
    case 'datetime':
      return typedDate(type, raw);
  }
}

/**
 * Why `raw` is not a valid `type` value, undefined when it is: parseTyped's verdict, without its canonical
 * text. Plain decimals ('12', '-0.5', as XLSX numbers and most CSV cells are written) skip the number regex.
 */
export function typeProblem(type: ColumnType, raw: string): string | undefined {
  if (type === 'text') return undefined;
  if (type === 'number' || type === 'integer') {
    const plain = plainDecimal(raw);
    if (plain === INTEGRAL || (plain === FRACTIONAL && type === 'number')) return undefined;
  }
  const parsed = parseTyped(type, raw);
  return parsed.ok ? undefined : parsed.reason;
}

const NOT_PLAIN = 0;
const INTEGRAL = 1;
const FRACTIONAL = 2;

/** '-'? digits ('.' digits)?: INTEGRAL when the fraction is all zeros or absent, else FRACTIONAL. */
function plainDecimal(raw: string): number {
  let i = raw.charCodeAt(0) === 45 ? 1 : 0;
  const start = i;
  while (i < raw.length && isDigit(raw.charCodeAt(i))) i++;
  if (i === start) return NOT_PLAIN;
  if (i === raw.length) return INTEGRAL;
  if (raw.charCodeAt(i) !== 46 || i + 1 === raw.length) return NOT_PLAIN;
  let zeros = true;
  for (i++; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (!isDigit(code)) return NOT_PLAIN;
    if (code !== 48) zeros = false;
  }
  return zeros ? INTEGRAL : FRACTIONAL;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** A date or datetime cell as the row's metric date ('YYYY-MM-DD'), or null when it is not one. */
export function metricDate(raw: string | undefined): string | null {
  const parts = raw === undefined ? undefined : parseDateTime(raw);
  return parts ? dateText(parts) : null;
}

function typedNumber(type: 'number' | 'integer', raw: string): ParseResult {
  const decimal = parseDecimal(raw);
  if (!decimal) return failure('not a number', raw);
  if (type === 'number') return { ok: true, value: decimalText(decimal) };
  if (!isIntegral(decimal)) return failure('not an integer', raw);
  return { ok: true, value: decimalText({ ...decimal, fraction: '' }) };
}

function typedDate(type: 'date' | 'datetime', raw: string): ParseResult {
  const parts = parseDateTime(raw);
  if (!parts) return failure(type === 'date' ? 'not a date' : 'not a datetime', raw);
  return { ok: true, value: type === 'date' ? dateText(parts) : dateTimeText(parts) };
}

function failure(what: string, raw: string): ParseResult {
  const shown = raw.length > 60 ? `${raw.slice(0, 60)}…` : raw;
  return { ok: false, reason: `${what}: ${JSON.stringify(shown)}` };
}
