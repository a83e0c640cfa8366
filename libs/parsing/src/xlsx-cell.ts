/** Built-in number formats that are dates or times (ids 14–22 and 45–47; the locale-specific ones have no code). */
const BUILTIN_DATE_FORMATS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47]);
const DAY_MS = 24 * 3600 * 1000;
/** Days from Excel's 1900 epoch (as Excel counts, 1900-02-29 included) to 1970-01-01. */
const UNIX_EPOCH_SERIAL = 25569;
const DATE1904_SHIFT = 1462;

/**
 * Excel keeps 15 significant digits, so rounding there drops binary noise (0.1 + 0.2) without losing data;
 * plain notation because 1e21 and 1e-7 are not what the sheet shows.
 */
export function numberText(n: number): string {
  if (!Number.isFinite(n)) return '';
  const plain = String(n);
  // At most 15 characters hold at most 15 significant digits: rounding to 15 would change nothing.
  if (plain.length <= 15 && !plain.includes('e')) return plain;
  const rounded = Number(n.toPrecision(15));
  const text = String(rounded);
  if (!text.includes('e')) return text;
  return rounded.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
}

/**
 * Whether text[from, to) is already what numberText(parseFloat(…)) makes of it, so that the round trip can
 * be skipped: plain decimal notation (optional '-', no leading zeros, no trailing fraction zeros), at most
 * 15 characters (so at most 15 significant digits, which a double keeps exactly), not below 1e-6 (where
 * String() switches to exponents), not '-0'.
 */
export function isPlainNumber(text: string, from: number, to: number): boolean {
  const length = to - from;
  if (length === 0 || length > 15) return false;
  let i = from;
  if (text.charCodeAt(i) === 45) i++; // '-'
  const first = text.charCodeAt(i);
  if (first < 48 || first > 57) return false;
  const leadingZero = first === 48;
  i++;
  if (!leadingZero) while (i < to && isDigit(text.charCodeAt(i))) i++;
  if (i === to) return !leadingZero || text.charCodeAt(from) !== 45; // '0' yes, '-0' no
  if (text.charCodeAt(i) !== 46 || i + 1 === to) return false; // '.' and at least one digit
  const fractionStart = ++i;
  let firstNonZero = -1;
  for (; i < to; i++) {
    const code = text.charCodeAt(i);
    if (!isDigit(code)) return false;
    if (firstNonZero === -1 && code !== 48) firstNonZero = i;
  }
  if (text.charCodeAt(to - 1) === 48) return false; // a trailing zero
  return !leadingZero || firstNonZero - fractionStart < 6;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** A date's UTC wall-clock time rounded to the second: 'YYYY-MM-DD', or 'YYYY-MM-DD HH:MM:SS' when not midnight. */
export function dateText(date: Date): string {
  const time = date.getTime();
  if (Number.isNaN(time)) return '';
  const iso = new Date(Math.round(time / 1000) * 1000).toISOString();
  const day = iso.slice(0, 10);
  const clock = iso.slice(11, 19);
  return clock === '00:00:00' ? day : `${day} ${clock}`;
}

/** ISO 8601 as a `t="d"` cell holds it: a date, then optionally a time (T or a space) with a zone. */
const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * A `t="d"` cell's ISO 8601 text as dateText writes a date, to the second; undefined when it is not a calendar
 * date with an optional clock time (a time alone included). The clock is taken as written and a zone (Z,
 * +08:00) dropped, not applied: date serials carry no zone and CSV dates keep the written wall clock too, so
 * an export reads the same day in either format.
 */
export function isoDateText(text: string): string | undefined {
  const match = ISO_DATE.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0));
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // not Date.UTC, which reads years 0–99 as 1900–1999
  if (date.getUTCDate() !== day) return undefined; // 2026-02-30 rolled over
  const milliseconds = match[7] ? Math.round(Number(`0.${match[7]}`) * 1000) : 0;
  date.setUTCHours(hour, minute, second, milliseconds);
  return dateText(date);
}

/** A date cell's serial as ExcelJS turns it into a Date (utils.excelToDate, to the millisecond), as text. */
export function serialDateText(serial: number, date1904: boolean): string {
  return dateText(new Date(Math.round((serial - UNIX_EPOCH_SERIAL + (date1904 ? DATE1904_SHIFT : 0)) * DAY_MS)));
}

/**
 * Whether a number format shows a date or time, as ExcelJS decides it (utils.isDateFmt): after dropping
 * [bracketed] and "quoted" parts, any of y m d h M s b is left.
 */
export function isDateFormat(formatCode: string): boolean {
  if (!formatCode) return false;
  const bare = formatCode.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, '');
  return /[ymdhMsb]/.test(bare);
}

/**
 * Whether the format `numFmtId` is a date: a custom `<numFmt>` of styles.xml (its code unescaped as ExcelJS
 * does) takes precedence over the built-in one. Id 0 (General) never is: ExcelJS skips it.
 */
export function isDateFormatId(numFmtId: number, customFormats: ReadonlyMap<number, string>): boolean {
  if (!numFmtId) return false;
  const custom = customFormats.get(numFmtId);
  return custom ? isDateFormat(custom.replace(/[\\](.)/g, '$1')) : BUILTIN_DATE_FORMATS.has(numFmtId);
}
