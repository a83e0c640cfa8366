import { Transform } from 'class-transformer';

/** Query-string booleans: 'true'/'1' → true, 'false'/'0' → false; anything else is left for validation to reject. */
export const ToBoolean = () =>
  Transform(({ value }: { value: unknown }) => {
    if (value === 'true' || value === '1' || value === true) return true;
    if (value === 'false' || value === '0' || value === false) return false;
    return value;
  });
