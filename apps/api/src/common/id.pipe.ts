import { Injectable, PipeTransform } from '@nestjs/common';
import { DomainError } from '@app/common';

/** The largest value of a PostgreSQL integer column (ids, counters). */
export const MAX_INT4 = 2_147_483_647;

/** A positive 32-bit integer id from the path; anything else is a 400, never a database error. */
@Injectable()
export class IdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const id = /^\d{1,10}$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(id) || id < 1 || id > MAX_INT4) {
      throw new DomainError('VALIDATION_FAILED', `Invalid id: ${value}`, [
        { field: 'id', errors: ['id must be a positive integer'] },
      ]);
    }
    return id;
  }
}
