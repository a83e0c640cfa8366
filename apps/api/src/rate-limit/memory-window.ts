/** One counter's state: hits in the current window and the milliseconds until it resets (0: none open). */
export interface WindowCount {
  hits: number;
  resetMs: number;
}

/**
 * Fixed-window counters in this process: the fallback while Redis does not answer. Same semantics
 * as the Redis script (the first hit opens a window of `windowMs`), so limits hold per process.
 * Expired windows are swept lazily; the key count is capped so a flood of addresses cannot grow it unbounded.
 */
export class MemoryWindowCounter {
  private readonly windows = new Map<string, { hits: number; resetAt: number }>();
  private nextSweepAt = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 100_000,
  ) {}

  get size(): number {
    return this.windows.size;
  }

  hit(key: string, windowMs: number): WindowCount {
    const now = this.now();
    this.sweep(now, windowMs);
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      this.windows.delete(key); // re-insert at the end: Map order is then oldest-window first
      if (this.windows.size >= this.maxKeys) this.dropOldest();
      window = { hits: 0, resetAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.hits += 1;
    return { hits: window.hits, resetMs: window.resetAt - now };
  }

  forget(key: string): void {
    this.windows.delete(key);
  }

  peek(key: string): WindowCount {
    const now = this.now();
    const window = this.windows.get(key);
    if (!window || window.resetAt <= now) return { hits: 0, resetMs: 0 };
    return { hits: window.hits, resetMs: window.resetAt - now };
  }

  private sweep(now: number, windowMs: number): void {
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + windowMs;
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }

  private dropOldest(): void {
    const oldest = this.windows.keys().next();
    if (!oldest.done) this.windows.delete(oldest.value);
  }
}
