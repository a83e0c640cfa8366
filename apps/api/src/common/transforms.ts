import { Transform } from 'class-transformer';

/** Query-string booleans: 'true'/'1' → true, 'false'/'0' → false; anything else is left for validation to reject. */
export const ToBoolean = () =>
  Transform(({ value }: { value: unknown }) => {
    if (value === 'true' || value === '1' || value === true) return true;
    if (value === 'false' || value === '0' || value === false) return false;
    return value;
  });

const DECIMAL_INTEGER = /^-?\d{1,15}$/;

/**
 * Query-string integers written in plain decimal ('12', '-3'); anything else ('1e3', '0x10', '', ' 5',
 * twenty digits) is left as text for @IsInt() to reject, where Number() would read a number into it.
 */
export const ToInteger = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && DECIMAL_INTEGER.test(value) ? Number(value) : value,
  );
