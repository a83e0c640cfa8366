export interface DateTimeParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Optional clock time; fractions of a second and a zone designator are accepted and dropped (wall clock kept). */
const TIME = String.raw`(?:(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?`;
const YEAR_FIRST = new RegExp(String.raw`^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})${TIME}$`);
const DAY_FIRST = new RegExp(String.raw`^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})${TIME}$`);
const CHINESE = new RegExp(String.raw`^(\d{4})年(\d{1,2})月(\d{1,2})日${TIME}$`);
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/;
/** Five-digit Excel day serials (1954-10-03 to 2173-10-14); the fraction is the time of day. */
const SERIAL = /^(\d{5})(\.\d+)?$/;
const DAY_MS = 86_400_000;
const ISO_DAY_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9];
const EXCEL_EPOCH = Date.UTC(1899, 11, 30);

/**
 * Reads YYYY-MM-DD (also with / or . and one-digit parts), YYYY年M月D日, YYYYMMDD, Excel serials, and
 * D/M/YYYY. Slashed dates with the year last are read day first, as the platforms in scope (Shopee, TikTok
 * SEA, Lazada) write them; only when the second part cannot be a month (> 12) are they read month first
 * (US style, '04/13/2026'). Any time part follows the date. The calendar is checked (no 2026-02-30).
 */
export function parseDateTime(raw: string): DateTimeParts | undefined {
  const text = raw.trim();
  if (isIsoDay(text)) return checked(text.slice(0, 4), text.slice(5, 7), text.slice(8, 10), []);
  let match = YEAR_FIRST.exec(text);
  if (match) return checked(match[1], match[3], match[4], match.slice(5));
  match = DAY_FIRST.exec(text);
  if (match) {
    const [first, second] = [match[1], match[3]];
    const monthFirst = Number(second) > 12 && Number(first) <= 12;
    return monthFirst
      ? checked(match[4], first, second, match.slice(5))
      : checked(match[4], second, first, match.slice(5));
  }
  match = CHINESE.exec(text) ?? COMPACT.exec(text);
  if (match) return checked(match[1], match[2], match[3], match.slice(4));
  match = SERIAL.exec(text);
  return match ? fromSerial(Number(match[1]), Number(match[2] ?? 0)) : undefined;
}

export function dateText({ year, month, day }: DateTimeParts): string {
  return `${year}-${pad(month)}-${pad(day)}`;
}

/** 'YYYY-MM-DD' exactly, the most common form, told without a regex. */
function isIsoDay(text: string): boolean {
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return false;
  for (const i of ISO_DAY_DIGITS) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

function checked(year: string, month: string, day: string, time: (string | undefined)[]): DateTimeParts | undefined {
  const parts: DateTimeParts = {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: Number(time[0] ?? 0),
    minute: Number(time[1] ?? 0),
    second: Number(time[2] ?? 0),
  };
  return isValid(parts) ? parts : undefined;
}

function isValid({ year, month, day, hour, minute, second }: DateTimeParts): boolean {
  if (year < 1000 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function fromSerial(days: number, fraction: number): DateTimeParts {
  const date = new Date(EXCEL_EPOCH + days * DAY_MS + Math.round(fraction * 86_400) * 1000);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
  };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
