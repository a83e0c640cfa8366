import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DomainError } from '@app/common';

/** No request DTO nests deeper than a few levels; 32 leaves room and stops stack-deep bodies. */
export const JSON_MAX_DEPTH = 32;

/** Whether `value` nests objects and arrays deeper than `limit`; iterative, so any depth is safe to measure. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(item)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * JSON bodies are bounded in nesting (400) right after parsing, before the route's pipes run: validation
 * copies a body recursively, and a body nested thousands deep overflowed the stack (a 500). Parsing itself
 * is safe at any depth (V8's JSON.parse does not recurse) and bounded in size by Fastify's bodyLimit (413).
 */
export function limitJsonNesting(app: NestFastifyApplication): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('preValidation', (request, _reply, done) => {
      if (typeof request.body === 'object' && request.body !== null && nestsDeeperThan(request.body, JSON_MAX_DEPTH)) {
        done(
          new DomainError('VALIDATION_FAILED', `The body is nested deeper than ${JSON_MAX_DEPTH} levels`, [
            { field: 'body', errors: [`nested deeper than ${JSON_MAX_DEPTH} levels`] },
          ]),
        );
        return;
      }
      done();
    });
}
