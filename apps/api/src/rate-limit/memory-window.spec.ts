import { MemoryWindowCounter } from './memory-window';

describe(MemoryWindowCounter.name, () => {
  let now: number;
  const clock = () => now;
  beforeEach(() => (now = 1_000_000));

  it('counts hits in a fixed window opened by the first hit', () => {
    const counter = new MemoryWindowCounter(clock);
    expect(counter.hit('k', 60_000)).toEqual({ hits: 1, resetMs: 60_000 });
    now += 15_000;
    expect(counter.hit('k', 60_000)).toEqual({ hits: 2, resetMs: 45_000 });
    expect(counter.peek('k')).toEqual({ hits: 2, resetMs: 45_000 });
  });

  it('starts a new window once the old one has passed', () => {
    const counter = new MemoryWindowCounter(clock);
    counter.hit('k', 60_000);
    counter.hit('k', 60_000);
    now += 60_000;
    expect(counter.peek('k')).toEqual({ hits: 0, resetMs: 0 });
    expect(counter.hit('k', 60_000)).toEqual({ hits: 1, resetMs: 60_000 });
  });

  it('keeps keys apart', () => {
    const counter = new MemoryWindowCounter(clock);
    counter.hit('a', 60_000);
    expect(counter.hit('b', 60_000).hits).toBe(1);
    expect(counter.peek('c')).toEqual({ hits: 0, resetMs: 0 });
  });

  it('sweeps expired windows and caps the number of keys, dropping the oldest window', () => {
    const counter = new MemoryWindowCounter(clock, 3);
    for (const key of ['a', 'b', 'c']) counter.hit(key, 60_000);
    counter.hit('d', 60_000);
    expect(counter.size).toBe(3);
    expect(counter.peek('a').hits).toBe(0);
    expect(counter.peek('d').hits).toBe(1);
    now += 61_000;
    counter.hit('e', 60_000);
    expect(counter.size).toBe(1);
  });
});
