import { mulberry32 } from './seeded-random';

describe(mulberry32.name, () => {
  it('draws the same sequence for a seed on every run (the sample files depend on it)', () => {
    const next = mulberry32(7);
    expect([next(), next(), next()]).toEqual([0.011704753153026104, 0.06195825757458806, 0.97690763277933]);
  });

  it('reads the seed as an unsigned 32-bit integer', () => {
    expect(mulberry32(7 + 2 ** 32)()).toBe(mulberry32(7)());
    expect(mulberry32(-1)()).toBe(mulberry32(0xffffffff)());
  });

  it('stays in [0, 1)', () => {
    const next = mulberry32(123);
    for (let i = 0; i < 10_000; i++) {
      const value = next();
      expect(value >= 0 && value < 1).toBe(true);
    }
  });
});
