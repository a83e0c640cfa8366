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

/** Bound on an error message kept (a task's error, a log field): the first part says what went wrong. */
export const MAX_ERROR_MESSAGE = 1_000;

interface QueryError {
  query: string;
  params: unknown;
  cause?: unknown;
}

const isQueryError = (error: unknown): error is QueryError =>
  typeof error === 'object' && error !== null && 'query' in error && 'params' in error;

/** `text` cut to `max` characters, saying how long it was. */
export function truncated(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [truncated, ${text.length} chars]`;
}

/**
 * An error's message, safe to store and log: bounded, and for a failed query (Drizzle puts every parameter
 * in its message: row values, possibly hundreds of megabytes) the database's own message, its SQLSTATE and
 * the start of the statement, never the parameters.
 */
export function errorMessage(error: unknown, max = MAX_ERROR_MESSAGE): string {
  if (isQueryError(error)) {
    const cause = error.cause instanceof Error ? error.cause.message : 'query failed';
    const state = sqlState(error);
    return truncated(`${cause}${state ? ` [SQLSTATE ${state}]` : ''} (in: ${truncated(error.query, 200)})`, max);
  }
  return truncated(error instanceof Error ? error.message : String(error), max);
}

/** A failed query as a log field: statement and error, without the parameters or a message holding them. */
export function loggableQueryError(error: unknown): Record<string, unknown> | undefined {
  if (!isQueryError(error)) return undefined;
  const stack = error instanceof Error && error.stack ? error.stack.split('\n    at ').slice(1, 8) : [];
  return {
    type: error instanceof Error ? error.constructor.name : 'QueryError',
    message: errorMessage(error),
    sqlState: sqlState(error),
    query: truncated(error.query, 2_000),
    stack: stack.length ? `    at ${stack.join('\n    at ')}` : undefined,
  };
}
