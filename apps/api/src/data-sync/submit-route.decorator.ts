import { applyDecorators, HttpCode, Post, Type } from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader } from '@nestjs/swagger';
import { RateLimitClass } from '../rate-limit/rate-limit.decorators';

/** A task submission: POST, counted as a data-sync write, 202, an optional Idempotency-Key. */
export const SubmitRoute = (path: string, answer: Type<unknown>) =>
  applyDecorators(
    Post(path),
    RateLimitClass('data_sync'),
    HttpCode(202),
    ApiHeader({ name: 'Idempotency-Key', required: false, description: 'same key within 24 h returns the first task' }),
    ApiAcceptedResponse({ type: answer }),
  );
