import { ArgumentsHost, BadRequestException } from '@nestjs/common';
import { DomainError } from '@app/common';
import { AllExceptionsFilter } from './all-exceptions.filter';

interface Sent {
  status?: number;
  headers: Record<string, string>;
  body?: Record<string, unknown>;
}

/** Runs the filter over `error` with a minimal Fastify request/reply pair; returns what it sent. */
function answer(error: unknown): Sent {
  const sent: Sent = { headers: {} };
  const reply = {
    header(name: string, value: string) {
      sent.headers[name.toLowerCase()] = value;
      return reply;
    },
    status(code: number) {
      sent.status = code;
      return reply;
    },
    send(body: Record<string, unknown>) {
      sent.body = body;
      return reply;
    },
  };
  const host = {
    switchToHttp: () => ({ getRequest: () => ({ id: 'req-1', raw: { id: 'req-1' } }), getResponse: () => reply }),
  } as unknown as ArgumentsHost;
  new AllExceptionsFilter().catch(error, host);
  return sent;
}

/** The shapes pg and Node give a lost or refused database connection. */
function pgError(code: string, message = 'boom'): Error {
  return Object.assign(new Error(message), { code });
}

describe(AllExceptionsFilter.name, () => {
  it.each([
    ['a refused connection', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['a server shutting down (57P01)', pgError('57P01', 'terminating connection due to administrator command')],
    ['a connection failure (08006)', pgError('08006')],
    ['too many connections (53300)', pgError('53300')],
    ['a pool connect timeout', new Error('timeout exceeded when trying to connect')],
    [
      'a wrapped connection loss',
      new Error('query failed', { cause: new Error('Connection terminated unexpectedly') }),
    ],
  ])('answers 503 DEPENDENCY_DOWN with Retry-After for %s', (_what, error) => {
    const sent = answer(error);
    expect(sent.status).toBe(503);
    expect(sent.headers['retry-after']).toBe('5');
    expect(sent.body).toMatchObject({ statusCode: 503, code: 'DEPENDENCY_DOWN', requestId: 'req-1' });
  });

  it('keeps a generic 500 for other errors, without their message', () => {
    const sent = answer(pgError('23502', 'null value in column "secret_column"'));
    expect(sent.status).toBe(500);
    expect(sent.body).toMatchObject({ statusCode: 500, code: 'INTERNAL', message: 'Internal server error' });
    expect(sent.headers['retry-after']).toBeUndefined();
  });

  it.each([
    ['an invalid byte sequence (22021)', '22021', 400, 'VALIDATION_FAILED'],
    ['a number out of range (22003)', '22003', 400, 'VALIDATION_FAILED'],
    ['a check violation (23514)', '23514', 400, 'VALIDATION_FAILED'],
    ['a value too large to index (54000)', '54000', 400, 'VALIDATION_FAILED'],
    ['a unique violation (23505)', '23505', 409, 'CONFLICT'],
    ['a foreign key violation (23503)', '23503', 409, 'CONFLICT'],
  ])('maps %s caused by input to %i, without the database message', (_what, state, status, code) => {
    const cause = pgError(state, 'invalid byte sequence for encoding "UTF8": 0x00 in secret_column');
    const wrapped = Object.assign(new Error('Failed query: select 1\nparams: secret-param'), {
      query: 'select 1',
      params: ['secret-param'],
      cause,
    });
    const sent = answer(wrapped);
    expect(sent.status).toBe(status);
    expect(sent.body).toMatchObject({ statusCode: status, code, requestId: 'req-1', details: { sql_state: state } });
    expect(JSON.stringify(sent.body)).not.toMatch(/secret/);
  });

  it('keeps domain errors and client errors as they are', () => {
    expect(answer(new DomainError('NOT_FOUND', 'task x not found')).status).toBe(404);
    expect(answer(new BadRequestException('bad')).body).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST' });
  });
});
