import { dateText, parseDateTime } from './date-values';
import { isIntegral, parseDecimal } from './number-values';

/** The type of a template column; typeProblem checks the cells of that column. */
export type ColumnType = 'text' | 'number' | 'integer' | 'date' | 'datetime';

/**
 * Why `raw` is not a valid `type` value, undefined when it is; empty cells are valid for every type. Accepted
 * forms: see parseDecimal and parseDateTime. Plain decimals ('12', '-0.5', as XLSX numbers and most CSV
 * cells are written) skip the number regex.
 */
export function typeProblem(type: ColumnType, raw: string): string | undefined {
  if (type === 'text') return undefined;
  if (type === 'number' || type === 'integer') {
    const plain = plainDecimal(raw);
    if (plain === INTEGRAL || (plain === FRACTIONAL && type === 'number')) return undefined;
  }
  if (!raw.trim()) return undefined;
  switch (type) {
    case 'number':
    case 'integer':
      return numberProblem(type, raw);
    case 'date':
    case 'datetime':
      return parseDateTime(raw) ? undefined : problem(type === 'date' ? 'not a date' : 'not a datetime', raw);
  }
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

function numberProblem(type: 'number' | 'integer', raw: string): string | undefined {
  const decimal = parseDecimal(raw);
  if (!decimal) return problem('not a number', raw);
  if (type === 'integer' && !isIntegral(decimal)) return problem('not an integer', raw);
  return undefined;
}

function problem(what: string, raw: string): string {
  const shown = raw.length > 60 ? `${raw.slice(0, 60)}…` : raw;
  return `${what}: ${JSON.stringify(shown)}`;
}
