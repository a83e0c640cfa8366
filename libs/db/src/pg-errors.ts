/** PostgreSQL SQLSTATE of an error from pg, PGlite or a Drizzle wrapper around either. */
export function sqlState(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** Server shutting down or refusing connections (57P01–03, 53300) and the whole connection-exception class 08. */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const CONNECTION_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const CONNECTION_MESSAGES =
  /connection terminated|connection (?:timeout|closed|ended)|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is closed/i;

/**
 * The database (or, by the same socket errors, Redis) cannot be reached: lost or refused connections,
 * a server shutting down or out of connection slots. A retry later can succeed; the request path
 * answers 503, the worker retries.
 */
export function isDependencyUnavailable(error: unknown): boolean {
  const state = sqlState(error);
  if (state) return UNAVAILABLE_SQLSTATES.has(state) || state.startsWith('08');
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_NODE_CODES.has(code)) return true;
    if (e instanceof Error && CONNECTION_MESSAGES.test(e.message)) return true;
  }
  return false;
}

export const isUniqueViolation = (error: unknown): boolean => sqlState(error) === '23505';

/** Runs a write, turning a unique violation into the domain error `duplicate` makes; other errors pass. */
export async function uniquely<T>(write: () => Promise<T>, duplicate: () => Error): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicate();
    throw error;
  }
}
