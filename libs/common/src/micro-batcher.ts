/** One item's outcome in a batch: each caller gets its own answer or its own error. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export const settledOk = <T>(value: T): Settled<T> => ({ ok: true, value });
export const settledError = <T = never>(error: unknown): Settled<T> => ({ ok: false, error });

/** Runs `work` and captures its outcome instead of throwing. */
export async function settle<T>(work: () => Promise<T>): Promise<Settled<T>> {
  try {
    return settledOk(await work());
  } catch (error) {
    return settledError(error);
  }
}

export interface MicroBatcherOptions<I, O> {
  /** Handles one batch and returns one outcome per item, in order. Throwing fails every item of the batch. */
  handle: (items: I[]) => Promise<Settled<O>[]>;
  /** A batch never holds more items than this; reaching it flushes without waiting for the tick (default 64). */
  maxBatch?: number;
  /** Batches handled at the same time; further items wait and join the next batch (default 1). */
  maxInFlight?: number;
}

interface Waiter<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Coalesces concurrent calls (DataLoader-style): items added during one event-loop turn, or while
 * the previous batches are still running, are handled together by one `handle` call. Under no load
 * a call waits one `setImmediate`; under load the batch grows with the queue, so the per-item cost
 * of the round trips `handle` makes shrinks as concurrency rises.
 */
export class MicroBatcher<I, O> {
  private pending: Waiter<I, O>[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;

  constructor(private readonly options: MicroBatcherOptions<I, O>) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 64);
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1);
  }

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
      else this.schedule();
    });
  }

  /** Items waiting for a batch (not counting those being handled). */
  get waiting(): number {
    return this.pending.length;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.pending.length && this.inFlight < this.maxInFlight) {
      const batch = this.pending.splice(0, this.maxBatch);
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.flush();
      });
    }
  }

  private async run(batch: Waiter<I, O>[]): Promise<void> {
    let outcomes: Settled<O>[];
    try {
      outcomes = await this.options.handle(batch.map((w) => w.item));
      if (outcomes.length !== batch.length)
        throw new Error(`batch handler answered ${outcomes.length} outcomes for ${batch.length} items`);
    } catch (error) {
      for (const waiter of batch) waiter.reject(error);
      return;
    }
    batch.forEach((waiter, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) waiter.resolve(outcome.value);
      else waiter.reject(outcome.error);
    });
  }
}
