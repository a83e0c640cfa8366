import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError } from '@app/common';
import { ParsesCommonQuery } from './common-query';
import { unstorableFields } from './storable-text';

export interface FieldError {
  field: string;
  errors: string[];
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, errors: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

function validationFailed(details: FieldError[]): DomainError {
  const message = details.map((d) => `${d.field}: ${d.errors.join(', ')}`).join('; ');
  return new DomainError('VALIDATION_FAILED', `Validation failed: ${message}`, details);
}

/**
 * Whitelisting, transforming validation; failures become 400 VALIDATION_FAILED with per-field details.
 * Before any DTO rule, every string of the body, query and path is checked for characters PostgreSQL
 * cannot store (U+0000, unpaired surrogates), so none reaches SQL whether or not its DTO thought of it.
 * A query DTO that reads its common queries itself (`ParsesCommonQuery`) skips class-validator for those.
 */
@Injectable()
export class InputValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => validationFailed(flatten(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom') {
      const unstorable = unstorableFields(value, metadata.data ?? '');
      if (unstorable.length) throw validationFailed(unstorable);
    }
    if (metadata.type === 'query') {
      const common = (metadata.metatype as Partial<ParsesCommonQuery<unknown>> | undefined)?.parseCommonQuery?.(value);
      if (common !== undefined) return common;
    }
    return super.transform(value, metadata);
  }

  /** Path parameters stay text: their own pipes (IdPipe, ParseUUIDPipe) parse them strictly ('0x10' is no id). */
  protected override transformPrimitive(value: unknown, metadata: ArgumentMetadata): unknown {
    return metadata.type === 'param' ? value : super.transformPrimitive(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new InputValidationPipe();
}
