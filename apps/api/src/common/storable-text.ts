import { storableText, unstorableCharacter } from '@app/parsing';

export interface UnstorableField {
  field: string;
  errors: string[];
}

/** Nesting a walk follows; the JSON body parser already refuses deeper bodies. */
const MAX_WALK_DEPTH = 64;

/**
 * Every string (and object key) in `value` that PostgreSQL could not store, by field path
 * (`domains.0`, `filter.shop_id`). Strings are checked at any depth, so a value never reaches SQL with one.
 */
export function unstorableFields(value: unknown, path = ''): UnstorableField[] {
  const found: UnstorableField[] = [];
  walk(value, path, 0, found);
  return found;
}

function walk(value: unknown, path: string, depth: number, found: UnstorableField[]): void {
  if (typeof value === 'string') {
    const character = unstorableCharacter(value);
    if (character) found.push({ field: path || 'value', errors: [`${path || 'value'} contains ${character}`] });
    return;
  }
  if (typeof value !== 'object' || value === null || depth >= MAX_WALK_DEPTH || Buffer.isBuffer(value)) return;
  for (const [key, item] of Object.entries(value)) {
    const keyProblem = unstorableCharacter(key);
    const shown = keyProblem ? storableText(key) : key;
    const field = path ? `${path}.${shown}` : shown;
    if (keyProblem) found.push({ field, errors: [`a field name contains ${keyProblem}`] });
    else walk(item, field, depth + 1, found);
  }
}
