import { stdSerializers } from 'pino';
import { loggableQueryError, truncated } from '@app/db';

/** Bound on one log line in bytes: a crafted upload once produced a single 410 MB line. */
export const MAX_LOG_LINE_BYTES = 8_192;
/** Longer string fields are cut to this many characters, with their length noted. */
const MAX_FIELD_CHARS = 1_024;
const MAX_ARRAY_ITEMS = 32;
const MAX_DEPTH = 8;
/** Lines past this are not parsed to be trimmed field by field, only summarised. */
const MAX_PARSED_LINE = 1_048_576;

let largestLine = 0;

/** Bytes of the longest line written through `boundLogLine` since the process started (tests assert on it). */
export const largestLogLine = (): number => largestLine;

function byteLength(line: string): number {
  return line.length * 3 <= MAX_LOG_LINE_BYTES ? line.length : Buffer.byteLength(line);
}

function trimmed(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return truncated(value, MAX_FIELD_CHARS);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ARRAY_ITEMS).map((item) => trimmed(item, depth + 1));
    return value.length > MAX_ARRAY_ITEMS ? [...items, `… [truncated, ${value.length} items]`] : items;
  }
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, trimmed(item, depth + 1)]));
}

const numberField = (line: string, name: string): number | undefined => {
  const match = new RegExp(`"${name}":(\\d+)`).exec(line.slice(0, 512));
  return match ? Number(match[1]) : undefined;
};

/**
 * pino's last step before a line is written: a line over MAX_LOG_LINE_BYTES gets its long fields cut
 * (each noting its length) and, if still too long, is replaced by its level, time and first kilobyte.
 * Lines within the bound pass untouched at the cost of a length check.
 */
export function boundLogLine(line: string): string {
  const bytes = byteLength(line);
  if (bytes <= MAX_LOG_LINE_BYTES) {
    if (bytes > largestLine) largestLine = bytes;
    return line;
  }
  let bounded: string | undefined;
  if (line.length <= MAX_PARSED_LINE) {
    try {
      const fields = trimmed(JSON.parse(line), 0) as Record<string, unknown>;
      bounded = `${JSON.stringify({ ...fields, log_line_truncated: { bytes } })}\n`;
    } catch {
      bounded = undefined;
    }
  }
  if (!bounded || Buffer.byteLength(bounded) > MAX_LOG_LINE_BYTES) {
    const summary = {
      level: numberField(line, 'level'),
      time: numberField(line, 'time'),
      msg: truncated(line.slice(0, MAX_FIELD_CHARS), MAX_FIELD_CHARS),
      log_line_truncated: { bytes },
    };
    bounded = `${JSON.stringify(summary)}\n`;
  }
  largestLine = Math.max(largestLine, Buffer.byteLength(bounded));
  return bounded;
}

/** pino's error serializer, except that a failed query is logged without its parameters. */
export function serializeError(error: Error): unknown {
  return loggableQueryError(error) ?? stdSerializers.err(error);
}
