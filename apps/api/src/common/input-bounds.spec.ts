import { nestsDeeperThan } from './json-nesting';
import { unstorableFields } from './storable-text';

describe(unstorableFields.name, () => {
  it('names every string and key PostgreSQL cannot store, at any depth', () => {
    const value = { ok: 'fine 😀', a: 'x\u0000', list: ['ok', 'half \ud83d'], nested: { 'k\u0000': 1 } };
    expect(unstorableFields(value)).toEqual([
      { field: 'a', errors: ['a contains a NUL character (U+0000)'] },
      { field: 'list.1', errors: ['list.1 contains an unpaired surrogate (U+D83D)'] },
      { field: 'nested.k\ufffd', errors: ['a field name contains a NUL character (U+0000)'] },
    ]);
  });

  it('prefixes the parameter name of a single value', () => {
    expect(unstorableFields('\u0000', 'taskId')).toEqual([
      { field: 'taskId', errors: ['taskId contains a NUL character (U+0000)'] },
    ]);
    expect(unstorableFields({ n: 1, b: true, z: null })).toEqual([]);
  });
});

describe(nestsDeeperThan.name, () => {
  const nested = (depth: number): unknown => {
    let value: unknown = 1;
    for (let i = 0; i < depth; i++) value = i % 2 ? { a: value } : [value];
    return value;
  };

  it('measures nesting of objects and arrays without recursion', () => {
    expect(nestsDeeperThan(nested(32), 32)).toBe(false);
    expect(nestsDeeperThan(nested(33), 32)).toBe(true);
    expect(nestsDeeperThan(nested(200_000), 32)).toBe(true);
    expect(nestsDeeperThan({ a: 1, b: [1, 2], c: { d: 'x' } }, 2)).toBe(false);
  });
});
