import { Queue } from 'bullmq';

export interface WaitOptions {
  /** Give up after this long (default 30 s: generous, since CI machines are shared). */
  timeoutMs?: number;
  /** Pause between probes (default 50 ms). */
  intervalMs?: number;
  /** What is awaited, for the error; a function is called only on timeout (e.g. to attach a process log). */
  what?: string | (() => string);
}

const describeValue = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 2_000 ? `${text.slice(0, 2_000)}… (${text.length} chars)` : text;
};

/**
 * Probes until `done(value)` holds and returns that value; the one polling loop of the test suites.
 * A probe that throws fails the wait at once (wrap it when a failure is expected, e.g. connection refused).
 */
export async function waitFor<T>(
  probe: () => Promise<T> | T,
  done: (value: T) => boolean,
  { timeoutMs = 30_000, intervalMs = 50, what = 'condition' }: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() >= deadline) {
      const name = typeof what === 'function' ? what() : what;
      throw new Error(`${name} not reached in ${timeoutMs} ms; last value: ${describeValue(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

const PENDING_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'waiting-children'] as const;

/** Waits until the queue holds no job that is waiting, delayed or running; returns the last counts. */
export function waitForQueueIdle(queue: Queue, options: WaitOptions = {}): Promise<Record<string, number>> {
  // A poll the app's fail-fast client times out (1 s, a loaded machine) is polled again, not a failure.
  return waitFor(
    () => queue.getJobCounts(...PENDING_STATES).catch(() => undefined),
    (counts) => counts !== undefined && PENDING_STATES.every((state) => (counts[state] ?? 0) === 0),
    { what: `queue ${queue.name} idle`, ...options },
  ) as Promise<Record<string, number>>;
}
