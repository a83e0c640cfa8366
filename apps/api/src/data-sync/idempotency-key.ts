import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { DomainError } from '@app/common';

const VALID = /^[\x21-\x7e]{1,200}$/;

/** The optional `Idempotency-Key` header (1–200 visible ASCII characters), or undefined. */
export const IdempotencyKey = createParamDecorator((_: unknown, ctx: ExecutionContext): string | undefined => {
  const value = ctx.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>().headers[
    'idempotency-key'
  ];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !VALID.test(value)) {
    throw new DomainError('VALIDATION_FAILED', 'Idempotency-Key must be 1-200 visible ASCII characters', [
      { field: 'Idempotency-Key', errors: ['1-200 visible ASCII characters'] },
    ]);
  }
  return value;
});
