import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '@app/common';
import { isDependencyUnavailable, sqlState } from '@app/db';
import { ErrorBody, errorBody } from './error-body';

const HTTP_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'INVALID_TOKEN',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'DEPENDENCY_DOWN',
};

const DEPENDENCY_RETRY_AFTER_S = 5;

/**
 * Database errors a request's values cause, as the last line of defence (validation should refuse such
 * values first): data exceptions (22xxx: a character or number PostgreSQL cannot take, a value out of
 * range), check and exclusion violations, a value too large to index (54000). Not 23502 (a NOT NULL the
 * code failed to fill) nor anything else: those stay 500s, real bugs.
 */
function inputCausedStatus(
  state: string | undefined,
): { status: number; code: 'VALIDATION_FAILED' | 'CONFLICT' } | undefined {
  if (!state) return undefined;
  if (state.startsWith('22') || state === '23514' || state === '54000')
    return { status: 400, code: 'VALIDATION_FAILED' };
  if (state === '23505' || state === '23503' || state === '23P01') return { status: 409, code: 'CONFLICT' };
  return undefined;
}

/**
 * Maps every error to the one error body. Domain errors carry their code; Nest and Fastify
 * client errors (bad JSON, body too large, unknown route) keep their 4xx; a database that cannot be
 * reached is a 503 with Retry-After; anything else is logged with the request id and answered with a
 * generic 500.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const requestId = requestIdOf(request);
    const { body, retryAfter } = this.toBody(exception, requestId);
    body.requestId = requestId;
    if (retryAfter !== undefined) void reply.header('Retry-After', String(retryAfter));
    void reply.header('x-request-id', requestId).status(body.statusCode).send(body);
  }

  private toBody(exception: unknown, requestId: string): { body: ErrorBody; retryAfter?: number } {
    if (exception instanceof DomainError) {
      return {
        body: errorBody(exception.status, exception.code, exception.message, exception.details),
        retryAfter: exception.retryAfter,
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status < 500)
        return { body: errorBody(status, HTTP_CODES[status] ?? 'CLIENT_ERROR', httpMessage(exception)) };
    }
    const status = (exception as { statusCode?: unknown })?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return { body: errorBody(status, HTTP_CODES[status] ?? 'CLIENT_ERROR', (exception as Error).message) };
    }
    if (isDependencyUnavailable(exception)) {
      // PostgreSQL down → 503 with Retry-After (the outbox covers Redis being down; this is what it cannot cover).
      this.logger.warn({ err: exception, requestId }, 'Dependency unavailable');
      return {
        body: errorBody(503, 'DEPENDENCY_DOWN', 'The database is unavailable; try again shortly'),
        retryAfter: DEPENDENCY_RETRY_AFTER_S,
      };
    }
    const input = inputCausedStatus(sqlState(exception));
    if (input) {
      // Logged without the message: a Drizzle error's carries the statement's parameters (user data).
      this.logger.warn({ requestId, sqlState: sqlState(exception) }, 'Database refused a value from the request');
      const message =
        input.status === 400
          ? 'A value in the request cannot be stored'
          : 'The request conflicts with data already stored';
      return { body: errorBody(input.status, input.code, message, { sql_state: sqlState(exception) }) };
    }
    this.logger.error({ err: exception, requestId }, 'Unhandled error');
    return { body: errorBody(500, 'INTERNAL', 'Internal server error') };
  }
}

function httpMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}

function requestIdOf(request: FastifyRequest): string {
  const raw = request.raw as { id?: unknown };
  return typeof raw.id === 'string' ? raw.id : String(request.id);
}
