import { STATUS_CODES } from 'node:http';

/** The one error body every endpoint returns. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  code: string;
  message: string;
  details?: unknown;
  requestId?: string;
}

export function errorBody(statusCode: number, code: string, message: string, details?: unknown): ErrorBody {
  return {
    statusCode,
    error: STATUS_CODES[statusCode] ?? 'Error',
    code,
    message,
    ...(details === undefined ? {} : { details }),
  };
}
