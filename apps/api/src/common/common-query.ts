import { PageQueryDto, MAX_PAGE, MAX_PAGE_SIZE } from './page-query.dto';

/**
 * A query DTO class may read its common, well-formed queries itself — a cached list's hot path, where
 * class-transformer + class-validator cost more than the cache hit. It answers the same DTO the validation
 * pipe would build, or undefined for anything else (an unknown key, a repeated key, a value it is unsure of),
 * which the pipe then validates as usual: same results, same error bodies. Every reader must accept only what
 * the DTO's decorators accept (common-query.spec.ts compares the two).
 */
export interface ParsesCommonQuery<T> {
  parseCommonQuery(query: unknown): T | undefined;
}

/** One field's reader: the value to set, or undefined to leave the query to class-validator. */
export type FieldReader = (value: string) => string | number | boolean | undefined;

/** @ToInteger() @IsInt() @Min(1) @Max(max), for plain digits. */
export const integerUpTo =
  (max: number): FieldReader =>
  (value) => {
    if (!/^\d{1,7}$/.test(value)) return undefined;
    const n = Number(value);
    return n >= 1 && n <= max ? n : undefined;
  };

/** @ToBoolean() @IsBoolean(). */
export const queryBoolean: FieldReader = (value) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : undefined;

/** @IsString() @MaxLength(max): UTF-16 units, never fewer than the characters class-validator counts. */
export const textUpTo =
  (max: number): FieldReader =>
  (value) =>
    value.length <= max ? value : undefined;

/** @Matches(pattern). */
export const matching =
  (pattern: RegExp): FieldReader =>
  (value) =>
    pattern.test(value) ? value : undefined;

export const PAGE_FIELDS: Readonly<Record<'page' | 'page_size', FieldReader>> = {
  page: integerUpTo(MAX_PAGE),
  page_size: integerUpTo(MAX_PAGE_SIZE),
};

/** Sets every field of `query` on `dto` through its reader; undefined when any key or value is not a common one. */
export function readCommonQuery<T extends PageQueryDto>(
  dto: T,
  query: unknown,
  readers: Readonly<Record<string, FieldReader>>,
): T | undefined {
  if (typeof query !== 'object' || query === null) return undefined;
  for (const [key, value] of Object.entries(query)) {
    const reader = Object.hasOwn(readers, key) ? readers[key] : undefined;
    if (!reader || typeof value !== 'string') return undefined;
    const read = reader(value);
    if (read === undefined) return undefined;
    (dto as Record<string, unknown>)[key] = read;
  }
  return dto;
}
